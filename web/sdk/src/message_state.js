// Message kinds (docs/protocol.md "Message object", docs/design.md "Wave 2")
// and how edits, recalls and reactions change the message they target.
//
// Events (msg_type 101–103) are ordinary timeline entries with their own
// seq; the client delivers them in order like any message. applyEvent turns
// an event and its target into the target's current state; Timeline keeps a
// bounded window of recent messages per conversation and applies events as
// they come. A target outside the window is left alone: PULL and HISTORY
// return targets with their current state, so the app reads it from there.

export const MsgType = Object.freeze({
  TEXT: 1, IMAGE: 2, FILE: 3, AUDIO: 4, VIDEO: 5,
  SYSTEM: 100, EDIT: 101, RECALL: 102, REACTION: 103,
});

// Fields an event carries: the server may put them on the message itself or
// keep them in its payload; both are read.
export function targetSeq(message) {
  return message.target_seq ?? message.payload?.target_seq;
}

export function mediaOf(message) {
  return message.media ?? message.payload?.media;
}

export function isRemoval(message) {
  return (message.remove ?? message.payload?.remove) === true;
}

/**
 * A message's reactions as {emoji: [user_id…]}. The server's stored state
 * (PULL, HISTORY, SYNC) says [{emoji, users: [user_id…]}…]; state built by
 * applyEvent is already the object form. Both are read.
 */
export function reactionsOf(message) {
  const reactions = message?.reactions;
  if (!reactions) return {};
  if (!Array.isArray(reactions)) return reactions;
  const out = {};
  for (const entry of reactions) {
    if (typeof entry?.emoji === 'string' && Array.isArray(entry.users) && entry.users.length) {
      out[entry.emoji] = [...entry.users];
    }
  }
  return out;
}

export function isEvent(message) {
  return message.msg_type >= MsgType.EDIT && message.msg_type <= MsgType.REACTION;
}

/**
 * 'text' | 'image' | 'file' | 'audio' | 'video' | 'system' | 'edit' | 'recall' |
 * 'reaction' | 'other'
 */
export function kindOf(message) {
  switch (message.msg_type ?? 1) {
    case MsgType.TEXT: return 'text';
    case MsgType.IMAGE: return 'image';
    case MsgType.FILE: return 'file';
    case MsgType.AUDIO: return 'audio';
    case MsgType.VIDEO: return 'video';
    case MsgType.SYSTEM: return 'system';
    case MsgType.EDIT: return 'edit';
    case MsgType.RECALL: return 'recall';
    case MsgType.REACTION: return 'reaction';
    default: return 'other';
  }
}

// A group's system message: its content is JSON text
// {"event","actor","users",…} (docs/protocol.md "GROUP").
export function groupEventOf(message) {
  if (message.msg_type !== MsgType.SYSTEM) return null;
  try {
    const body = JSON.parse(message.content);
    return { ...body, conversation_id: message.conversation_id, seq: message.seq,
             group_id: message.conversation_id.replace(/^group_/, '') };
  } catch {
    return null;
  }
}

/**
 * The target's state after `event` (a new object; the inputs are not
 * changed). Returns the target unchanged when the event does not apply
 * (another target, an edit by someone else, anything after a recall).
 * reactions: {emoji: [user_id…]} (a target in the server's shape,
 * [{emoji, users}], is read too).
 */
export function applyEvent(target, event) {
  if (!target || !event || targetSeq(event) !== target.seq ||
      event.conversation_id !== target.conversation_id) {
    return target;
  }
  if (target.recalled) return target;
  switch (event.msg_type) {
    case MsgType.EDIT: {
      if (event.sender_id !== target.sender_id) return target;
      // Events arrive in seq order, but a target read from HISTORY may
      // already show a later edit than one replayed now.
      if (target.edit_seq !== undefined && event.seq <= target.edit_seq) return target;
      if (target.edited_at && event.send_time < target.edited_at) return target;
      return { ...target, content: event.content, edited_at: event.send_time,
               edit_seq: event.seq };
    }
    case MsgType.RECALL: {
      const { media: _media, ...rest } = target;
      const payload = target.payload ? { ...target.payload } : undefined;
      if (payload) delete payload.media;
      const out = { ...rest, content: '', recalled: true, recalled_by: event.sender_id,
                    recall_seq: event.seq };
      if (payload) out.payload = payload;
      delete out.reactions;
      return out;
    }
    case MsgType.REACTION: {
      const emoji = event.content;
      const reactions = { ...reactionsOf(target) };
      const users = new Set(reactions[emoji] ?? []);
      if (isRemoval(event)) users.delete(event.sender_id);
      else users.add(event.sender_id);
      if (users.size === 0) delete reactions[emoji];
      else reactions[emoji] = [...users];
      return { ...target, reactions };
    }
    default:
      return target;
  }
}

// The recent messages of each conversation, with events applied. Bounded:
// at most `maxPerConversation` messages per conversation (the oldest go).
export class Timeline {
  constructor({ maxPerConversation = 500 } = {}) {
    this.max = maxPerConversation;
    /** @type {Map<string, Map<number, object>>} */
    this.conversations = new Map();
  }

  /**
   * Adds a message, or applies an event to its target. Returns the message
   * whose state changed (the new message, or the updated target), or null
   * when an event's target is not in the window.
   */
  add(message) {
    let conv = this.conversations.get(message.conversation_id);
    if (!conv) {
      conv = new Map();
      this.conversations.set(message.conversation_id, conv);
    }
    if (isEvent(message)) {
      const target = conv.get(targetSeq(message));
      if (!target) return null;
      const updated = applyEvent(target, message);
      conv.set(updated.seq, updated);
      return updated;
    }
    const stored = Array.isArray(message.reactions)
      ? { ...message, reactions: reactionsOf(message) } : message;
    conv.set(message.seq, stored);
    // Messages come in seq order, so the first key is the oldest.
    while (conv.size > this.max) conv.delete(conv.keys().next().value);
    return stored;
  }

  get(conversationId, seq) {
    return this.conversations.get(conversationId)?.get(seq);
  }

  /** The window's messages of a conversation in seq order (events excluded). */
  messages(conversationId) {
    const conv = this.conversations.get(conversationId);
    return conv ? [...conv.values()].sort((a, b) => a.seq - b.seq) : [];
  }
}
