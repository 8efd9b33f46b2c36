// ParleyClient: one logical session to a Parley server that survives
// connection drops. The same semantics as the C++ client library (client/):
//
// - Requests are matched to answers by an increasing req_id, each with a
//   deadline. Requests made while offline wait for the next connection.
//   Idempotent ones (CHAT with its msg_id, PULL, ACK, SYNC, HISTORY,
//   CONVERSATIONS, RECEIPTS, GROUP members/mine) are sent again after a
//   reconnect; the others (GROUP changes) fail with 503 when the connection
//   drops before their answer.
// - send() retries a CHAT with the same msg_id until the server acknowledges
//   it (lost answer, 503, 429, timeout), so it is stored once; unacked sends
//   are kept in the store's outbox and retried after a restart too.
// - Pushes go through a DeliveryTracker: 'message' fires once per message, in
//   seq order per conversation, gaps filled by PULL.
// - A dropped connection is retried with jittered exponential backoff; the
//   client logs in again with its token (or password).
// - After every login it catches up (client_sync.js): SYNC from its inbox
//   cursor, the CONVERSATIONS fallback when the cursor expired, PULLs of the
//   conversations listed.
// - Positions (inbox cursor, delivered seq per conversation, outbox) are
//   saved in the store, debounced.
//
// The wave-2 feature calls (receipts, typing, groups, edits, media) are in
// client_features.js.

import { DeliveryTracker } from './delivery_tracker.js';
import { Emitter } from './emitter.js';
import { ParleyError, errorFromPacket } from './errors.js';
import { MsgType, groupEventOf, targetSeq } from './message_state.js';
import { newMsgId } from './msg_id.js';
import { MemoryStore } from './stores.js';
import { webSocketClass, wsUrl } from './transport.js';
import { syncMethods } from './client_sync.js';
import { featureMethods } from './client_features.js';

export const Cmd = Object.freeze({
  HEARTBEAT: 0, LOGIN: 1, CHAT: 2, PULL: 3, ACK: 4, PUSH: 5, SYNC: 6, GROUP: 7,
  HISTORY: 8, CONVERSATIONS: 9, TYPING: 10, RECEIPTS: 11,
});

const DEFAULTS = {
  requestTimeoutMs: 10000,
  connectTimeoutMs: 5000,
  heartbeatMs: 30000,
  backoffInitialMs: 100,
  backoffMaxMs: 5000,
  maxPendingRequests: 4096,
  maxBufferedPerConversation: 1024,
  maxOutbox: 1000,
  pullLimit: 200,
  syncLimit: 200,
  maxConcurrentPulls: 16,
  syncTimeoutMs: 120000,
  catchUpUnknown: true,
  ackDelivered: true,
  ackDeliveredDelayMs: 500,
  saveDelayMs: 200,
};

// Only these are resent after a reconnect: repeating them changes nothing.
function idempotent(body) {
  switch (body.cmd) {
    case Cmd.CHAT: return typeof body.msg_id === 'string';
    case Cmd.PULL: case Cmd.ACK: case Cmd.SYNC: case Cmd.HISTORY:
    case Cmd.CONVERSATIONS: case Cmd.RECEIPTS:
      return true;
    case Cmd.GROUP: return body.op === 'members' || body.op === 'mine';
    default: return false;
  }
}

export class ParleyClient extends Emitter {
  /**
   * @param {object} options see index.d.ts (ClientOptions)
   */
  constructor(options) {
    super();
    if (!options?.url) throw new TypeError('ParleyClient: options.url is required');
    this.options = { ...DEFAULTS, ...options };
    this.store = options.store ?? new MemoryStore();
    this._credentials = { token: options.token ?? '', userId: options.userId ?? '',
                          password: options.password ?? '' };
    this._state = 'idle';  // idle | connecting | online | reconnecting | closed
    this._ws = null;
    this._early = [];  // packets that came between the LOGIN answer and _onOnline
    this._generation = 0;  // counts logged-in connections
    this._lastReceived = 0;
    this._heartbeatTimer = null;
    this._backoffTimer = null;
    this._backoffMs = this.options.backoffInitialMs;
    this._nextReqId = 1;
    /** @type {Map<number, object>} by req_id, in the order they were made */
    this._pending = new Map();
    this._tracker = new DeliveryTracker({
      maxBufferedPerConversation: this.options.maxBufferedPerConversation,
      catchUpUnknown: this.options.catchUpUnknown,
    });
    this._outbox = new Map();  // msg_id -> CHAT body, until acknowledged
    this._loaded = false;
    this._saveTimer = null;
    this._saving = Promise.resolve();
    this._deliveredAcks = new Map();  // conversation_id -> {seq, timer}
    this._initSync();
  }

  /** 'idle' | 'connecting' | 'online' | 'reconnecting' | 'closed' */
  get state() { return this._state; }
  get userId() { return this._credentials.userId; }
  get token() { return this._credentials.token; }

  /**
   * Connects and logs in; resolves the LOGIN answer {user_id, token}. The
   * first failure rejects (then connect may be called again); once logged
   * in, the client reconnects by itself until close().
   */
  async connect() {
    if (this._state !== 'idle') {
      const why = this._state === 'closed' ? 'client is closed' : 'already connected';
      throw new ParleyError(400, why);
    }
    this._state = 'connecting';
    try {
      const reply = await this._connectOnce();
      await this._loadPositions(reply.user_id);
      if (this._state === 'closed') throw new ParleyError(503, 'client closed');
      this._onOnline(reply);
      return reply;
    } catch (err) {
      // Logged in but not taken online (closed meanwhile, the store failed):
      // that connection must not stay open.
      if (this._ws) {
        this._ws.onclose = this._ws.onmessage = null;
        try { this._ws.close(); } catch { /* closing anyway */ }
        this._ws = null;
      }
      if (this._state === 'connecting') this._state = 'idle';
      throw err;
    }
  }

  /** Stops reconnecting, fails pending requests with 503, saves positions. */
  async close() {
    if (this._state === 'closed') return this._saving;
    const wasActive = this._state === 'online' || this._state === 'reconnecting';
    this._state = 'closed';
    clearTimeout(this._backoffTimer);
    this._stopHeartbeat();
    for (const { timer } of this._deliveredAcks.values()) clearTimeout(timer);
    this._deliveredAcks.clear();
    if (this._ws) {
      const ws = this._ws;
      this._ws = null;
      ws.onclose = null;
      ws.onmessage = null;
      ws.onerror = () => {};
      try { ws.close(1000); } catch { /* closing anyway */ }
    }
    const closed = new ParleyError(503, 'client closed');
    for (const reqId of [...this._pending.keys()]) this._complete(reqId, closed);
    this._failSyncWaiters(closed);
    if (wasActive) this.emit('state', 'closed');
    if (this._loaded) {
      clearTimeout(this._saveTimer);
      await this._save();
    }
  }

  /**
   * Sends any request (the body carries "cmd"); resolves the answer when its
   * code is 0, rejects a ParleyError otherwise. Client-side errors: 429 too
   * many requests in flight, 503 timeout / connection lost / closed.
   */
  request(body) {
    return new Promise((resolve, reject) => {
      this._startRequest({ ...body }, (err, answer) => (err ? reject(err) : resolve(answer)));
    });
  }

  /**
   * CHAT. message: {to | conversation_id, content, msg_type?, reply_to?,
   * msg_id?, payload?}. Resolves {msg_id, conversation_id, seq} once the
   * server stored it. Retried with the same msg_id until acknowledged;
   * rejects only on a refusal (400, 403, 404, 409, 413) or close().
   */
  async send(message) {
    const body = chatBody(message);
    if (this._outbox.size >= this.options.maxOutbox && !this._outbox.has(body.msg_id)) {
      throw new ParleyError(429, 'too many unacknowledged sends');
    }
    this._outbox.set(body.msg_id, body);
    this._scheduleSave();
    try {
      const ack = await this._sendUntilAcked(body);
      this._outbox.delete(body.msg_id);
      return ack;
    } catch (err) {
      // Cut short by close(): it stays in the saved outbox and goes out, with
      // its msg_id, on the next connect with this store.
      if (this._state === 'closed' && err.code === 503) err.queued = true;
      else this._outbox.delete(body.msg_id);
      throw err;
    } finally {
      this._scheduleSave();
    }
  }

  async _sendUntilAcked(body) {
    let delay = this.options.backoffInitialMs;
    for (;;) {
      try {
        const answer = await this.request(body);
        const ack = { msg_id: answer.msg_id, conversation_id: answer.conversation_id,
                      seq: answer.seq };
        // Our own message joins the timeline: its push (or a later PULL) is
        // not handed back as news.
        this._apply(this._tracker.onSent({
          ...body.payload, msg_id: ack.msg_id, conversation_id: ack.conversation_id,
          seq: ack.seq, sender_id: this.userId,
        }));
        this.emit('sent', ack);
        return ack;
      } catch (err) {
        const retryable = err.code === 503 || err.code === 429 || err.code === 500;
        if (!retryable || this._state === 'closed') throw err;
        // 429 says how long; otherwise back off, so a sick server is not
        // hammered. The msg_id stays: a retry never makes a second message.
        const wait = err.retryAfterMs ?? delay;
        delay = Math.min(delay * 2, this.options.backoffMaxMs);
        await sleep(wait);
        if (this._state === 'closed') throw err;
      }
    }
  }

  // ---- connection lifecycle ----

  async _connectOnce() {
    const WebSocketImpl = this.options.WebSocket ?? (await webSocketClass());
    return new Promise((resolve, reject) => {
      let settled = false;
      const ws = new WebSocketImpl(wsUrl(this.options.url));
      const finish = (err, reply) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        if (err) {
          ws.onopen = ws.onmessage = ws.onclose = null;
          ws.onerror = () => {};
          try { ws.close(); } catch { /* already closing */ }
          reject(err);
        } else {
          resolve(reply);
        }
      };
      const watchdog = setTimeout(
        () => finish(new ParleyError(503, `connect ${this.options.url}: timed out`)),
        this.options.connectTimeoutMs);
      ws.onerror = () => finish(new ParleyError(503, `connect ${this.options.url}: failed`));
      ws.onclose = () => finish(new ParleyError(503, `connect ${this.options.url}: closed`));
      ws.onopen = () => {
        const { token, userId, password } = this._credentials;
        const login = token ? { cmd: Cmd.LOGIN, token }
                            : { cmd: Cmd.LOGIN, user_id: userId, password };
        ws.send(JSON.stringify(login));
      };
      ws.onmessage = (event) => {
        const packet = parse(event.data);
        if (settled) {
          // Pushes right after the LOGIN answer, before _onOnline takes over.
          if (packet) this._early.push(packet);
          return;
        }
        if (!packet || packet.cmd !== Cmd.LOGIN) return;
        if (packet.code) return finish(errorFromPacket(packet));
        this._ws = ws;
        this._early = [];
        finish(null, { user_id: packet.user_id, token: packet.token });
      };
    });
  }

  _onOnline(reply) {
    const first = this._state === 'connecting';
    const ws = this._ws;
    this._state = 'online';
    this._generation += 1;
    this._backoffMs = this.options.backoffInitialMs;
    this._lastReceived = Date.now();
    this._credentials.userId = reply.user_id;
    if (reply.token) this._credentials.token = reply.token;
    ws.onmessage = (event) => {
      this._lastReceived = Date.now();
      const packet = parse(event.data);
      if (packet) this._onPacket(packet);
    };
    ws.onclose = () => this._onOffline(ws);
    ws.onerror = () => {};  // onclose follows
    if (ws.readyState !== 1) {
      // Closed between the LOGIN answer and now: its close event is gone.
      this._onOffline(ws);
      return;
    }
    this._startHeartbeat();
    const early = this._early;
    this._early = [];
    if (!first) this.emit('state', 'online');
    for (const request of this._pending.values()) this._transmit(request);
    this._resumeOutbox();
    this._startCatchup();
    for (const packet of early) this._onPacket(packet);
  }

  _onOffline(ws) {
    if (ws !== this._ws) return;
    this._ws = null;
    this._stopHeartbeat();
    const lost = [];
    for (const [reqId, request] of this._pending) {
      if (request.sentOn === this._generation && !request.resend) lost.push(reqId);
    }
    for (const reqId of lost) this._complete(reqId, new ParleyError(503, 'connection lost'));
    if (this._state !== 'online') return;
    this._state = 'reconnecting';
    this.emit('state', 'reconnecting');
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    // Jitter in [delay/2, delay] keeps clients dropped together from
    // reconnecting in lockstep.
    const delay = this._backoffMs;
    const wait = delay / 2 + Math.random() * (delay / 2);
    this._backoffMs = Math.min(delay * 2, this.options.backoffMaxMs);
    this._backoffTimer = setTimeout(() => this._reconnect(), wait);
  }

  async _reconnect() {
    if (this._state !== 'reconnecting') return;
    try {
      const reply = await this._connectOnce();
      if (this._state !== 'reconnecting') {
        // closed while logging in
        this._ws?.close();
        this._ws = null;
        return;
      }
      this._onOnline(reply);
    } catch (err) {
      if (this._state !== 'reconnecting') return;
      if (err.code === 401) {
        const { token, password } = this._credentials;
        if (token && password) {
          this._credentials.token = '';  // expired token: the password gets a new one
        } else {
          this.emit('error', err);
          await this.close();  // nothing else to log in with
          return;
        }
      }
      this._scheduleReconnect();
    }
  }

  _startHeartbeat() {
    this._stopHeartbeat();
    const interval = this.options.heartbeatMs;
    this._heartbeatTimer = setInterval(() => {
      // The server answers every heartbeat, so three silent intervals mean
      // the connection is dead even if TCP has not noticed yet.
      if (Date.now() - this._lastReceived > 3 * interval) {
        this._dropConnection();
        return;
      }
      this._write({ cmd: Cmd.HEARTBEAT });
    }, interval);
  }

  _stopHeartbeat() {
    clearInterval(this._heartbeatTimer);
    this._heartbeatTimer = null;
  }

  // Ends the current connection as if the network had; the client then
  // reconnects. Tests use it to cut a connection at a chosen moment.
  _dropConnection() {
    const ws = this._ws;
    if (!ws) return;
    if (typeof ws.terminate === 'function') ws.terminate();
    else ws.close();
    // A browser WebSocket may take a while to report the close; do not wait.
    this._onOffline(ws);
  }

  _write(body) {
    if (!this._ws || this._state !== 'online') return false;
    try {
      this._ws.send(JSON.stringify(body));
      return true;
    } catch {
      return false;
    }
  }

  // ---- requests ----

  _startRequest(body, done) {
    if (this._state === 'closed') return done(new ParleyError(503, 'client closed'));
    if (this._pending.size >= this.options.maxPendingRequests) {
      return done(new ParleyError(429, 'too many requests in flight'));
    }
    if (!Number.isInteger(body.cmd)) return done(new ParleyError(400, 'request needs a "cmd"'));
    const reqId = this._nextReqId++;
    body.req_id = reqId;
    const request = { body, done, resend: idempotent(body), sentOn: 0, timer: null };
    request.timer = setTimeout(
      () => this._complete(reqId, new ParleyError(503, 'request timed out')),
      this.options.requestTimeoutMs);
    this._pending.set(reqId, request);
    if (this._state === 'online') this._transmit(request);
  }

  _transmit(request) {
    request.sentOn = this._generation;
    this._write(request.body);
  }

  _complete(reqId, err, answer) {
    const request = this._pending.get(reqId);
    if (!request) return;  // answered, timed out or failed already
    this._pending.delete(reqId);
    clearTimeout(request.timer);
    request.done(err, answer);
  }

  _onPacket(packet) {
    if (packet.req_id !== undefined && this._pending.has(packet.req_id)) {
      if (packet.code) return this._complete(packet.req_id, errorFromPacket(packet));
      return this._complete(packet.req_id, null, packet);
    }
    switch (packet.cmd) {
      case Cmd.PUSH: {
        const m = packet.payload;
        if (!m || typeof m.conversation_id !== 'string' || !Number.isInteger(m.seq)) return;
        this._apply(m.hole === true ? this._tracker.onHole(m) : this._tracker.onPush(m));
        return;
      }
      case Cmd.ACK:
        if (packet.event === 'ack') {
          this.emit('ack', { conversation_id: packet.conversation_id,
                             last_ack_seq: packet.last_ack_seq });
        } else if (packet.event === 'read' || packet.event === 'delivered') {
          this.emit('receipt', { kind: packet.event, conversation_id: packet.conversation_id,
                                 user_id: packet.user_id, seq: packet.seq });
        }
        return;
      case Cmd.TYPING:
        // An event, or the error answer to a fire-and-forget TYPING: ignored.
        if (packet.event === 'typing') {
          this.emit('typing', { conversation_id: packet.conversation_id,
                                user_id: packet.user_id, typing: packet.typing === true });
        }
        return;
      default:
        // Heartbeat answers and notices this client does not know.
    }
  }

  // ---- delivery ----

  _apply(step) {
    for (const m of step.deliver) this._deliver(m);
    if (step.deliver.length > 0) this._scheduleSave();
    if (step.pull) this._issuePull(step.pull);
  }

  _deliver(m) {
    this.emit('message', m);
    switch (m.msg_type) {
      case MsgType.EDIT:
        this.emit('edit', { ...m, target_seq: targetSeq(m) });
        break;
      case MsgType.RECALL:
        this.emit('recall', { ...m, target_seq: targetSeq(m) });
        break;
      case MsgType.REACTION:
        this.emit('reaction', { ...m, target_seq: targetSeq(m) });
        break;
      case MsgType.SYSTEM: {
        const event = groupEventOf(m);
        if (event) this.emit('group', event);
        break;
      }
      default:
    }
    if (this.options.ackDelivered && m.sender_id !== this.userId) {
      this._scheduleDeliveredAck(m.conversation_id, m.seq);
    }
  }

  // A delivered receipt per conversation, coalesced: one ACK for a burst.
  _scheduleDeliveredAck(conversationId, seq) {
    const entry = this._deliveredAcks.get(conversationId);
    if (entry) {
      entry.seq = Math.max(entry.seq, seq);
      return;
    }
    const timer = setTimeout(() => {
      const { seq: last } = this._deliveredAcks.get(conversationId);
      this._deliveredAcks.delete(conversationId);
      this.request({ cmd: Cmd.ACK, conversation_id: conversationId, seq: last,
                     kind: 'delivered' }).catch(() => {
        // best effort: the next delivery acks again
      });
    }, this.options.ackDeliveredDelayMs);
    this._deliveredAcks.set(conversationId, { seq, timer });
  }

  // ---- positions ----

  async _loadPositions(userId) {
    if (this._loaded) return;
    const saved = await this.store.load(userId);
    this._storeKey = userId;
    this._loaded = true;
    if (!saved) return;
    this._restoreSyncState(saved);
    for (const [id, seq] of Object.entries(saved.delivered ?? {})) {
      this._tracker.setCursor(id, seq);
    }
    for (const body of saved.outbox ?? []) {
      if (typeof body?.msg_id === 'string' && !this._outbox.has(body.msg_id)) {
        this._outbox.set(body.msg_id, { ...body, restored: true });
      }
    }
  }

  // Sends of an earlier run that were never acknowledged go out again with
  // their msg_id: stored once whether or not the first try got through.
  _resumeOutbox() {
    for (const body of this._outbox.values()) {
      if (!body.restored) continue;
      delete body.restored;
      const { req_id: _ignored, ...chat } = body;
      this._sendUntilAcked(chat)
        .catch((err) => this.emit('error', err))
        .finally(() => {
          this._outbox.delete(chat.msg_id);
          this._scheduleSave();
        });
    }
  }

  _scheduleSave() {
    // After close() the final state is saved already.
    if (!this._loaded || this._saveTimer || this._state === 'closed') return;
    this._saveTimer = setTimeout(() => {
      this._saveTimer = null;
      this._save();
    }, this.options.saveDelayMs);
  }

  _save() {
    const state = {
      ...this._syncStateToSave(),
      delivered: this._tracker.positions(),
      outbox: [...this._outbox.values()].map(({ req_id: _r, restored: _x, ...b }) => b),
    };
    // One save at a time, in order: a slow store never sees an older state
    // written after a newer one.
    this._saving = this._saving
      .then(() => this.store.save(this._storeKey, state))
      .catch((err) => this.emit('error', err));
    return this._saving;
  }

  /** Where delivery stands in a conversation (undefined: never seen). */
  delivered(conversationId) {
    return this._tracker.delivered(conversationId);
  }
}

Object.assign(ParleyClient.prototype, syncMethods, featureMethods);

function chatBody(message) {
  const payload = { ...(message.payload ?? {}), content: message.content ?? '',
                    msg_type: message.msg_type ?? MsgType.TEXT };
  if (message.reply_to !== undefined) payload.reply_to = message.reply_to;
  if (message.target_seq !== undefined) payload.target_seq = message.target_seq;
  if (message.media !== undefined) payload.media = message.media;
  if (message.remove !== undefined) payload.remove = message.remove;
  const body = { cmd: Cmd.CHAT, msg_id: message.msg_id ?? newMsgId(), payload };
  if (message.conversation_id) body.conversation_id = message.conversation_id;
  else if (message.to) body.to = message.to;
  else throw new ParleyError(400, 'send needs "to" or "conversation_id"');
  return body;
}

function parse(data) {
  try {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    const packet = JSON.parse(text);
    return packet && typeof packet === 'object' ? packet : null;
  } catch {
    return null;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
