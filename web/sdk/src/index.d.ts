// Types of @parley/sdk (README.md beside src/ documents each call).

export type ConnectionState = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'closed';

export const Cmd: Readonly<{
  HEARTBEAT: 0; LOGIN: 1; CHAT: 2; PULL: 3; ACK: 4; PUSH: 5; SYNC: 6; GROUP: 7;
  HISTORY: 8; CONVERSATIONS: 9; TYPING: 10; RECEIPTS: 11;
}>;

export const MsgType: Readonly<{
  TEXT: 1; IMAGE: 2; FILE: 3; AUDIO: 4; VIDEO: 5;
  SYSTEM: 100; EDIT: 101; RECALL: 102; REACTION: 103;
}>;

export interface Media {
  media_id: string;
  content_type: string;
  size: number;
  name: string;
  width?: number;
  height?: number;
  thumbnail_id?: string;
}

/** A stored message as the server sends it (PUSH, PULL, HISTORY, SYNC). */
export interface Message {
  msg_id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  content: string;
  msg_type: number;
  send_time: number;
  reply_to?: number;
  /** edits, recalls, reactions: the seq they act on */
  target_seq?: number;
  media?: Media;
  remove?: boolean;
  payload?: Record<string, unknown>;
  /** set by applyEvent / Timeline, or by the server on a stored target */
  edited_at?: number;
  edit_seq?: number;
  recalled?: boolean;
  recalled_by?: string;
  /** applyEvent/Timeline: {emoji: users}; the server's stored state: [{emoji, users}] */
  reactions?: Record<string, string[]> | Reaction[];
}

export interface Reaction { emoji: string; users: string[]; }

export interface HoleMarker { conversation_id: string; seq: number; hole: true; }

export interface SendAck { msg_id: string; conversation_id: string; seq: number; }

export interface LoginReply { user_id: string; token: string; }

export interface OutgoingMessage {
  to?: string;
  conversation_id?: string;
  content?: string;
  msg_type?: number;
  reply_to?: number;
  target_seq?: number;
  media?: Media;
  remove?: boolean;
  /** chosen by the client when absent; reuse it to retry a send idempotently */
  msg_id?: string;
  payload?: Record<string, unknown>;
}

export type ConversationRef = string | { conversation_id: string } | { to: string };

export interface ConversationInfo {
  conversation_id: string;
  max_seq: number;
  last_ack_seq: number;
  unread: number;
  last_message?: Message;
}

export interface PullPage {
  payload: Array<Message | HoleMarker>;
  next_cursor_seq: number;
  has_more: boolean;
}

export interface HistoryPage {
  payload: Array<Message | HoleMarker>;
  next_before_seq: number;
  has_more: boolean;
}

export interface MemberReceipt { user_id: string; read_seq: number; delivered_seq: number; }
export interface ReceiptEvent {
  kind: 'read' | 'delivered'; conversation_id: string; user_id: string; seq: number;
}
export interface AckEvent { conversation_id: string; last_ack_seq: number; }
export interface TypingEvent { conversation_id: string; user_id: string; typing: boolean; }
export interface GroupEvent {
  event: 'create' | 'join' | 'leave' | 'invite' | 'kick' | 'unban' | 'settings' | 'promote' |
         'demote' | 'transfer' | 'mute' | 'unmute';
  actor: string;
  users: string[];
  group_id: string;
  conversation_id: string;
  seq: number;
  name?: string;
  join_policy?: 'invite' | 'open';
  history_visibility?: 'joined' | 'shared';
  only_admins_send?: boolean;
  until?: number;
}
export type EventMessage = Message & { target_seq: number };

export interface GroupReply { group_id: string; conversation_id: string; seq: number; }
export interface GroupMembers {
  group_id: string; name: string; owner_id: string; members: string[];
  join_policy: 'invite' | 'open'; history_visibility: 'joined' | 'shared';
  admins: string[]; muted: Array<{ user: string; until: number }>;
  only_admins_send: boolean; banned?: string[];
}
export interface GroupSummary {
  group_id: string; name: string; owner_id: string; member_count: number;
  conversation_id: string;
}
export interface GroupSettings {
  join_policy?: 'invite' | 'open';
  history_visibility?: 'joined' | 'shared';
  only_admins_send?: boolean;
}

export interface UploadResult {
  media_id: string; content_type: string; size: number; sha256: string;
  width?: number; height?: number; thumbnail_id?: string;
}
export type MediaData = Blob | ArrayBuffer | Uint8Array | string;
export interface UploadOptions {
  name?: string;
  contentType?: string;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** Saved positions of one user. */
export interface SavedState {
  inbox_seq: number;
  groups_since?: number;
  delivered: Record<string, number>;
  outbox: object[];
}

export interface PositionStore {
  load(userId: string): Promise<SavedState | null>;
  save(userId: string, state: SavedState): Promise<void>;
}

export class MemoryStore implements PositionStore {
  load(userId: string): Promise<SavedState | null>;
  save(userId: string, state: SavedState): Promise<void>;
}
export class IndexedDBStore implements PositionStore {
  constructor(options?: { dbName?: string; indexedDB?: IDBFactory });
  load(userId: string): Promise<SavedState | null>;
  save(userId: string, state: SavedState): Promise<void>;
  close(): Promise<void>;
}
/** Node only: one JSON file per user in `dir`, replaced atomically. */
export class FileStore implements PositionStore {
  constructor(dir: string);
  load(userId: string): Promise<SavedState | null>;
  save(userId: string, state: SavedState): Promise<void>;
}

export interface ClientOptions {
  /** the server's HTTP base, e.g. "http://127.0.0.1:8080" (ws:// also accepted) */
  url: string;
  token?: string;
  userId?: string;
  password?: string;
  /** positions between runs; default MemoryStore */
  store?: PositionStore;
  /** a WebSocket class; default the global one, else the `ws` package */
  WebSocket?: unknown;
  requestTimeoutMs?: number;    // 10000
  connectTimeoutMs?: number;    // 5000
  heartbeatMs?: number;         // 30000
  backoffInitialMs?: number;    // 100
  backoffMaxMs?: number;        // 5000
  maxPendingRequests?: number;  // 4096
  maxBufferedPerConversation?: number;  // 1024
  maxOutbox?: number;           // 1000
  pullLimit?: number;           // 200
  syncLimit?: number;           // 200
  maxConcurrentPulls?: number;  // 16
  syncTimeoutMs?: number;       // 120000
  /** a conversation first seen is delivered from seq 1 (default true) */
  catchUpUnknown?: boolean;
  /** send delivered receipts for what is delivered (default true) */
  ackDelivered?: boolean;
  ackDeliveredDelayMs?: number; // 500
  saveDelayMs?: number;         // 200
}

export interface ClientEvents {
  message: (m: Message) => void;
  edit: (e: EventMessage) => void;
  recall: (e: EventMessage) => void;
  reaction: (e: EventMessage) => void;
  group: (e: GroupEvent) => void;
  sent: (ack: SendAck) => void;
  receipt: (e: ReceiptEvent) => void;
  ack: (e: AckEvent) => void;
  typing: (e: TypingEvent) => void;
  state: (s: 'online' | 'reconnecting' | 'closed') => void;
  synced: (e: { inbox_seq: number }) => void;
  error: (err: Error) => void;
}

export class ParleyClient {
  constructor(options: ClientOptions);
  readonly state: ConnectionState;
  readonly userId: string;
  readonly token: string;
  readonly store: PositionStore;

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
  once<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void;

  connect(): Promise<LoginReply>;
  close(): Promise<void>;
  sync(): Promise<void>;
  request(body: { cmd: number; [field: string]: unknown }): Promise<Record<string, any>>;
  delivered(conversationId: string): number | undefined;
  inboxCursor(): number;

  send(message: OutgoingMessage): Promise<SendAck>;
  reply(conversation: ConversationRef, replyTo: number, content: string,
        extra?: Partial<OutgoingMessage>): Promise<SendAck>;
  edit(conversationId: string, targetSeq: number, content: string): Promise<SendAck>;
  recall(conversationId: string, targetSeq: number): Promise<SendAck>;
  react(conversationId: string, targetSeq: number, emoji: string,
        options?: { remove?: boolean }): Promise<SendAck>;
  uploadMedia(data: MediaData, options?: UploadOptions): Promise<UploadResult>;
  mediaUrl(mediaId: string): string;
  sendMedia(conversation: ConversationRef, data: MediaData,
            options?: UploadOptions & { caption?: string }):
    Promise<{ upload: UploadResult; ack: SendAck }>;

  pull(conversationId: string, cursorSeq?: number, limit?: number): Promise<PullPage>;
  history(conversationId: string, beforeSeq?: number, limit?: number): Promise<HistoryPage>;
  conversations(): Promise<ConversationInfo[]>;
  markRead(conversationId: string, seq: number): Promise<object>;
  markDelivered(conversationId: string, seq: number): Promise<object>;
  receipts(conversationId: string): Promise<MemberReceipt[]>;
  typing(conversation: ConversationRef, isTyping?: boolean): boolean;
  typing(conversation: ConversationRef, isTyping: boolean,
         options: { answer: true }): Promise<{ conversation_id: string }>;

  group(op: string, fields?: Record<string, unknown>): Promise<Record<string, any>>;
  createGroup(name: string, members?: string[],
              options?: GroupSettings & { group_id?: string }): Promise<GroupReply>;
  joinGroup(groupId: string): Promise<GroupReply>;
  leaveGroup(groupId: string): Promise<GroupReply>;
  inviteMembers(groupId: string, members: string[]): Promise<GroupReply>;
  kickMembers(groupId: string, members: string[]): Promise<GroupReply>;
  unbanMembers(groupId: string, members: string[]): Promise<GroupReply>;
  promoteMembers(groupId: string, members: string[]): Promise<GroupReply>;
  demoteMembers(groupId: string, members: string[]): Promise<GroupReply>;
  muteMembers(groupId: string, members: string[], until?: number): Promise<GroupReply>;
  unmuteMembers(groupId: string, members: string[]): Promise<GroupReply>;
  transferGroup(groupId: string, to: string): Promise<GroupReply>;
  groupSettings(groupId: string, settings: GroupSettings): Promise<GroupReply>;
  groupMembers(groupId: string): Promise<GroupMembers>;
  myGroups(): Promise<GroupSummary[]>;
}

export class ParleyError extends Error {
  constructor(code: number, message: string, extra?: object);
  /** the server's code: 400, 401, 403, 404, 409, 413, 429, 500, 503 */
  code: number;
  /** 429: the wait before the same request would be admitted */
  retryAfterMs?: number;
  msgId?: string;
  /** a send cut short by close(): kept in the store's outbox for the next run */
  queued?: boolean;
}

export interface DeliveryStep {
  deliver: Message[];
  pull: { conversation_id: string; cursor_seq: number } | null;
}
export class DeliveryTracker {
  constructor(options?: { maxBufferedPerConversation?: number; catchUpUnknown?: boolean });
  setCursor(conversationId: string, deliveredSeq: number): DeliveryStep;
  catchup(conversationId: string, fromSeq: number): DeliveryStep;
  onPush(message: Message): DeliveryStep;
  onSent(message: Partial<Message> & { conversation_id: string; seq: number }): DeliveryStep;
  onHole(hole: { conversation_id: string; seq: number }): DeliveryStep;
  onServerMax(conversationId: string, maxSeq: number): DeliveryStep;
  onPullPage(conversationId: string, items: Array<Message | HoleMarker>, nextCursorSeq: number,
             hasMore: boolean): DeliveryStep;
  onPullFailed(conversationId: string): void;
  resumeGaps(): Array<{ conversation_id: string; cursor_seq: number }>;
  delivered(conversationId: string): number | undefined;
  positions(): Record<string, number>;
}

export class Timeline {
  constructor(options?: { maxPerConversation?: number });
  add(message: Message): Message | null;
  get(conversationId: string, seq: number): Message | undefined;
  messages(conversationId: string): Message[];
}

export function register(url: string, userId: string, password: string): Promise<LoginReply>;
export function login(url: string, userId: string, password: string): Promise<LoginReply>;
export function uploadMedia(url: string, token: string, data: MediaData,
                            options?: UploadOptions): Promise<UploadResult>;
export function mediaUrl(url: string, token: string, mediaId: string): string;
export function applyEvent(target: Message, event: Message): Message;
/** A message's reactions as {emoji: users}, from either shape. */
export function reactionsOf(message: Message): Record<string, string[]>;
export function kindOf(message: Pick<Message, 'msg_type'>):
  'text' | 'image' | 'file' | 'audio' | 'video' | 'system' | 'edit' | 'recall' | 'reaction' |
  'other';
export function targetSeq(message: Message): number | undefined;
export function mediaOf(message: Message): Media | undefined;
export function groupEventOf(message: Message): GroupEvent | null;
export function isEvent(message: Pick<Message, 'msg_type'>): boolean;
export function newMsgId(): string;
