// What the app knows, without the DOM: conversations (title, last message,
// unread), the messages loaded per conversation (events applied), own sends
// still pending, the other members' receipts and who is typing. The views in
// render.js draw from it; main.js feeds it from the SDK.

import { MsgType, applyEvent, groupEventOf, isEvent, reactionsOf, targetSeq } from '../sdk/index.js';

const TYPING_SHOWN_MS = 6000;

export function peerOf(conversationId, me) {
  const pair = conversationId.replace(/^private_/, '').split(':');
  return pair[0] === me ? pair[1] : pair[0];
}

export function privateId(a, b) {
  return a < b ? `private_${a}:${b}` : `private_${b}:${a}`;
}

export class Conversation {
  constructor(id, me) {
    this.id = id;
    this.kind = id.startsWith('group_') ? 'group' : 'private';
    this.peer = this.kind === 'private' ? peerOf(id, me) : '';
    this.groupId = this.kind === 'group' ? id.slice('group_'.length) : '';
    this.name = '';  // a group's name
    this.maxSeq = 0;  // the highest seq known to exist
    this.readSeq = 0;  // this user's read position
    this.unread = 0;
    // Unread is counted up to here: the listing's max_seq, then what came
    // live (a fresh device's catch-up replays what the listing counted).
    this.countedSeq = 0;
    // Messages read from the server (listing, HISTORY) carry their state as of
    // the read, every event up to here applied: an older event arriving
    // live afterwards (a fresh device's catch-up) must not apply again.
    this.stateSeq = 0;
    this.last = null;  // the newest message that is not an event
    this.activity = 0;  // for ordering the list
    /** @type {Map<number, object>} loaded messages by seq, events applied */
    this.messages = new Map();
    this.oldestLoaded = Infinity;  // history is shown from here up
    this.historyState = 'unloaded';  // unloaded | loading | more | complete
    /** @type {Map<string, object>} own sends not yet stored, by msg_id */
    this.pending = new Map();
    /** @type {Map<string, {read: number, delivered: number}>} other members */
    this.receipts = new Map();
    /** @type {Map<string, number>} user -> time the typing indicator ends */
    this.typing = new Map();
    this.members = null;  // a group's GROUP members answer, when loaded
    this.unreadMarker = undefined;  // the read position when it was opened
    this.membership = 'member';  // member | gone (left or removed)
  }

  title() {
    if (this.kind === 'private') return this.peer;
    return this.name || this.groupId;
  }

  // Applies a message or event; returns true when something shown changed.
  // `live`: it came in now (counts as unread when it is someone else's).
  // `current`: read from the server with its current state (HISTORY, the
  // listing), which replaces what was held.
  add(message, me, { live = false, current = false } = {}) {
    this.maxSeq = Math.max(this.maxSeq, message.seq);
    if (isEvent(message)) {
      if (current || message.seq <= this.stateSeq) return false;
      const seq = targetSeq(message);
      const target = this.messages.get(seq);
      if (target) this.messages.set(seq, applyEvent(target, message));
      if (this.last?.seq === seq) this.last = applyEvent(this.last, message);
      return Boolean(target) || this.last?.seq === seq;
    }
    const known = this.messages.has(message.seq);
    const stored = Array.isArray(message.reactions)
      ? { ...message, reactions: reactionsOf(message) } : message;
    if (!known || current) this.messages.set(message.seq, stored);
    if (!this.last || message.seq >= this.last.seq) {
      this.last = this.messages.get(message.seq);
      this.activity = Math.max(this.activity, message.send_time ?? 0);
    }
    if (live && !known && message.sender_id !== me && message.seq > this.readSeq &&
        message.seq > this.countedSeq && message.msg_type !== MsgType.SYSTEM) {
      this.unread += 1;
    }
    if (live) this.countedSeq = Math.max(this.countedSeq, message.seq);
    if (message.sender_id) this.typing.delete(message.sender_id);
    if (this.kind === 'group' && message.msg_type === MsgType.SYSTEM && !this.name) {
      const event = groupEventOf(message);
      if (event?.name) this.name = event.name;
    }
    return true;
  }

  // The loaded messages shown: from the oldest history page up, in order.
  shown() {
    const out = [];
    for (const m of this.messages.values()) {
      if (m.seq >= this.oldestLoaded) out.push(m);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  // After reading up to `seq`: how many messages from others are still unread.
  markedRead(seq, me) {
    this.readSeq = Math.max(this.readSeq, seq);
    let unread = 0;
    for (const m of this.messages.values()) {
      if (m.seq > this.readSeq && m.sender_id !== me && !isEvent(m) &&
          m.msg_type !== MsgType.SYSTEM) {
        unread += 1;
      }
    }
    this.unread = unread;
  }

  setReceipt(user, kind, seq) {
    const r = this.receipts.get(user) ?? { read: 0, delivered: 0 };
    if (kind === 'read') r.read = Math.max(r.read, seq);
    r.delivered = Math.max(r.delivered, r.read, kind === 'delivered' ? seq : 0);
    this.receipts.set(user, r);
  }

  // The tick of an own message at `seq`: 'read' once every other member read
  // it, 'delivered' once every other member's device has it, else 'sent'.
  tick(seq, me) {
    const others = [...this.receipts.entries()].filter(([user]) => user !== me);
    if (others.length === 0) return 'sent';
    if (others.every(([, r]) => r.read >= seq)) return 'read';
    if (others.every(([, r]) => r.delivered >= seq)) return 'delivered';
    return 'sent';
  }

  typers(now = Date.now()) {
    const out = [];
    for (const [user, until] of this.typing) {
      if (until > now) out.push(user);
      else this.typing.delete(user);
    }
    return out;
  }

  setTyping(user, isTyping) {
    if (isTyping) this.typing.set(user, Date.now() + TYPING_SHOWN_MS);
    else this.typing.delete(user);
  }
}

export class Model {
  constructor(me) {
    this.me = me;
    /** @type {Map<string, Conversation>} */
    this.conversations = new Map();
  }

  get(id) {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = new Conversation(id, this.me);
      this.conversations.set(id, conv);
    }
    return conv;
  }

  // The conversations, most recently active first.
  ordered() {
    return [...this.conversations.values()].sort((a, b) => b.activity - a.activity ||
                                                        (a.id < b.id ? -1 : 1));
  }

  // A CONVERSATIONS listing entry.
  addListing(entry) {
    const conv = this.get(entry.conversation_id);
    conv.maxSeq = Math.max(conv.maxSeq, entry.max_seq ?? 0);
    conv.readSeq = Math.max(conv.readSeq, entry.last_ack_seq ?? 0);
    conv.unread = entry.unread ?? 0;
    conv.countedSeq = Math.max(conv.countedSeq, conv.maxSeq);
    conv.stateSeq = Math.max(conv.stateSeq, conv.maxSeq);
    const last = entry.last_message;
    if (last) {
      conv.activity = Math.max(conv.activity, last.send_time ?? 0);
      conv.add(last, this.me, { current: true });
    }
    return conv;
  }
}

// One line about a message for the conversation list and reply quotes.
export function preview(m, me) {
  if (!m) return '';
  if (m.recalled) return 'Message recalled';
  const who = m.sender_id === me ? 'You: ' : '';
  switch (m.msg_type) {
    case MsgType.IMAGE: return `${who}📷 Photo${m.content ? ` — ${m.content}` : ''}`;
    case MsgType.FILE: case MsgType.AUDIO: case MsgType.VIDEO: {
      const media = m.media ?? m.payload?.media;
      return `${who}📎 ${media?.name ?? 'File'}`;
    }
    case MsgType.SYSTEM: return systemText(m, me);
    default: return who + m.content;
  }
}

const names = (users, me) => (users ?? []).map((u) => (u === me ? 'you' : u)).join(', ');

// A group's system message in words.
export function systemText(m, me) {
  const e = groupEventOf(m);
  if (!e) return m.content;
  const actor = e.actor === me ? 'You' : e.actor;
  const users = names(e.users, me);
  switch (e.event) {
    case 'create': return `${actor} created the group${e.name ? ` “${e.name}”` : ''}`;
    case 'join': return `${actor} joined`;
    case 'leave': return `${actor} left`;
    case 'invite': return `${actor} added ${users}`;
    case 'kick': return `${actor} removed ${users}`;
    case 'unban': return `${actor} unbanned ${users}`;
    case 'promote': return `${actor} made ${users} admin`;
    case 'demote': return `${actor} removed admin from ${users}`;
    case 'transfer': return `${actor} handed the group to ${users}`;
    case 'mute': return `${actor} muted ${users}`;
    case 'unmute': return `${actor} unmuted ${users}`;
    case 'settings': return `${actor} changed the group settings`;
    default: return `${actor}: ${e.event}`;
  }
}
