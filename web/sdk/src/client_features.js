// The ParleyClient's calls beyond send and sync: reading (PULL, HISTORY,
// CONVERSATIONS), receipts, typing, groups and roles, replies, edits,
// recalls, reactions and media (docs/protocol.md; edits, recalls, reactions
// and media follow docs/design.md "Wave 2" while server support lands).

import { ParleyError } from './errors.js';
import { MsgType } from './message_state.js';
import { mediaUrl, uploadMedia } from './http.js';

const CMD_PULL = 3;
const CMD_ACK = 4;
const CMD_GROUP = 7;
const CMD_HISTORY = 8;
const CMD_CONVERSATIONS = 9;
const CMD_TYPING = 10;
const CMD_RECEIPTS = 11;
const MAX_CONVERSATION_PAGES = 1000;

// GROUP ops that name members; the rest take their own fields.
const MEMBER_OPS = ['invite', 'kick', 'unban', 'promote', 'demote', 'unmute'];

function target(conversation) {
  if (typeof conversation === 'string') return { conversation_id: conversation };
  if (conversation?.conversation_id) return { conversation_id: conversation.conversation_id };
  if (conversation?.to) return { to: conversation.to };
  throw new ParleyError(400, 'name a conversation: an id, {conversation_id} or {to}');
}

function mediaType(contentType) {
  if (contentType?.startsWith('image/')) return MsgType.IMAGE;
  if (contentType?.startsWith('audio/')) return MsgType.AUDIO;
  if (contentType?.startsWith('video/')) return MsgType.VIDEO;
  return MsgType.FILE;
}

export const featureMethods = {
  /** One PULL page: {payload: [msg | hole…], next_cursor_seq, has_more}. */
  pull(conversationId, cursorSeq = 0, limit = 50) {
    return this.request({ cmd: CMD_PULL, conversation_id: conversationId,
                          cursor_seq: cursorSeq, limit });
  },

  /** Older messages, newest first; beforeSeq 0: from the newest. */
  history(conversationId, beforeSeq = 0, limit = 50) {
    return this.request({ cmd: CMD_HISTORY, conversation_id: conversationId,
                          before_seq: beforeSeq, limit });
  },

  /** Every conversation of the user (all pages), most recent first. */
  async conversations() {
    const all = [];
    let cursor = '';
    for (let page = 0; page < MAX_CONVERSATION_PAGES; page += 1) {
      const body = { cmd: CMD_CONVERSATIONS, limit: 200 };
      if (cursor) body.cursor = cursor;
      const answer = await this.request(body);
      all.push(...(answer.conversations ?? []));
      if (!answer.has_more || !answer.next_cursor || answer.next_cursor === cursor) break;
      cursor = answer.next_cursor;
    }
    return all;
  },

  /** The user has read up to `seq` (clears unread; others get a 'receipt'). */
  markRead(conversationId, seq) {
    return this.request({ cmd: CMD_ACK, conversation_id: conversationId, seq, kind: 'read' });
  },

  /** This device has received up to `seq` (sent by itself with ackDelivered). */
  markDelivered(conversationId, seq) {
    return this.request({ cmd: CMD_ACK, conversation_id: conversationId, seq,
                          kind: 'delivered' });
  },

  /** Every member's positions: [{user_id, read_seq, delivered_seq}…]. */
  async receipts(conversationId) {
    const answer = await this.request({ cmd: CMD_RECEIPTS, conversation_id: conversationId });
    return answer.receipts ?? [];
  },

  /**
   * TYPING, fire and forget: call it as the user types (the server forwards
   * a change at most every 2 s); dropped while offline. Returns whether it
   * was written. With {answer: true} it resolves once the server checked it.
   */
  typing(conversation, isTyping = true, { answer = false } = {}) {
    const body = { cmd: CMD_TYPING, ...target(conversation), typing: isTyping };
    if (answer) return this.request(body);
    return this._write(body);
  },

  /** A reply: a message that answers seq `replyTo` of the same conversation. */
  reply(conversation, replyTo, content, extra = {}) {
    return this.send({ ...extra, ...target(conversation), content, reply_to: replyTo });
  },

  /** Edits a message of one's own (server support landing). */
  edit(conversationId, targetSeq, content) {
    return this.send({ conversation_id: conversationId, msg_type: MsgType.EDIT,
                       target_seq: targetSeq, content });
  },

  /** Recalls (deletes for everyone) a message (server support landing). */
  recall(conversationId, targetSeq) {
    return this.send({ conversation_id: conversationId, msg_type: MsgType.RECALL,
                       target_seq: targetSeq, content: '' });
  },

  /** Adds (or with {remove: true} removes) a reaction (server support landing). */
  react(conversationId, targetSeq, emoji, { remove = false } = {}) {
    const message = { conversation_id: conversationId, msg_type: MsgType.REACTION,
                      target_seq: targetSeq, content: emoji };
    if (remove) message.remove = true;
    return this.send(message);
  },

  /** Uploads a file (server support landing); see http.js uploadMedia. */
  uploadMedia(data, options = {}) {
    return uploadMedia(this.options.url, this.token, data, options);
  },

  /** The URL of an upload, for <img src> or a download link. */
  mediaUrl(mediaId) {
    return mediaUrl(this.options.url, this.token, mediaId);
  },

  /**
   * Uploads `data` and sends it as an image/file/audio/video message
   * (server support landing). options: {name, contentType, caption,
   * onProgress(sent, total)}. Resolves {upload, ack}.
   */
  async sendMedia(conversation, data, options = {}) {
    const upload = await this.uploadMedia(data, options);
    const media = { media_id: upload.media_id, content_type: upload.content_type,
                    size: upload.size, name: options.name ?? data?.name ?? 'file' };
    for (const key of ['width', 'height', 'thumbnail_id']) {
      if (upload[key] !== undefined) media[key] = upload[key];
    }
    const ack = await this.send({ ...target(conversation), content: options.caption ?? '',
                                  msg_type: mediaType(upload.content_type), media });
    return { upload, ack };
  },

  /** Any GROUP op: group('create', {name, members}) etc. */
  group(op, fields = {}) {
    return this.request({ cmd: CMD_GROUP, op, ...fields });
  },

  createGroup(name, members = [], options = {}) {
    return this.group('create', { ...options, name, members });
  },
  joinGroup(groupId) { return this.group('join', { group_id: groupId }); },
  leaveGroup(groupId) { return this.group('leave', { group_id: groupId }); },
  groupMembers(groupId) { return this.group('members', { group_id: groupId }); },
  async myGroups() { return (await this.group('mine')).groups ?? []; },
  transferGroup(groupId, to) { return this.group('transfer', { group_id: groupId, to }); },
  /** until: ms since the epoch; 0 or absent: until unmuted. */
  muteMembers(groupId, members, until = 0) {
    const fields = { group_id: groupId, members };
    if (until) fields.until = until;
    return this.group('mute', fields);
  },
  /** settings: {join_policy?, history_visibility?, only_admins_send?} (owner only). */
  groupSettings(groupId, settings) {
    return this.group('settings', { ...settings, group_id: groupId });
  },
};

// inviteMembers, kickMembers, unbanMembers, promoteMembers, demoteMembers,
// unmuteMembers: (groupId, members) -> the op's answer.
for (const op of MEMBER_OPS) {
  const name = `${op}Members`;
  featureMethods[name] = function memberOp(groupId, members) {
    return this.group(op, { group_id: groupId, members });
  };
}
