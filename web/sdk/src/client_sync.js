// Catch-up of the ParleyClient after each login and on sync(): SYNC pages
// from the inbox cursor, the CONVERSATIONS fallback for an expired cursor,
// PULLs of the conversations the server lists, and the waiters of sync().
// The same algorithm as the C++ client (client/client_sync.cc).
//
// A "paging round" is the chain SYNC -> SYNC ... (-> CONVERSATIONS -> SYNC
// ...) until has_more is false. The catch-up is over when no round is in
// flight and every PULL (in flight or in the backlog) has ended.
//
// The inbox cursor that is saved is the last one at which nothing was left
// open (no gap, no PULL): a device that stops in the middle of a catch-up
// reads those inbox entries again next time (duplicates are dropped) rather
// than skip a message that was only buffered.

import { ParleyError } from './errors.js';

const CMD_PULL = 3;
const CMD_SYNC = 6;
const CMD_CONVERSATIONS = 9;
const CONVERSATION_PAGE = 200;
const MAX_CONVERSATION_PAGES = 1000;

export const syncMethods = {
  _initSync() {
    this._inboxCursor = 0;
    this._savedInboxCursor = 0;  // the cursor at the last settled catch-up
    this._groupsSince = undefined;
    this._savedGroupsSince = undefined;
    this._pendingGroupsSince = undefined;
    this._paging = false;
    this._pageAgain = false;
    this._fellBack = false;
    this._catchupError = null;
    this._pullsInFlight = 0;
    this._pullBacklog = [];  // at most one per conversation
    this._pullQueued = new Set();
    this._syncWaiters = new Set();
  },

  _restoreSyncState(saved) {
    if (Number.isInteger(saved.inbox_seq)) {
      this._inboxCursor = saved.inbox_seq;
      this._savedInboxCursor = saved.inbox_seq;
    }
    if (Number.isInteger(saved.groups_since)) {
      this._groupsSince = saved.groups_since;
      this._savedGroupsSince = saved.groups_since;
    }
  },

  _syncStateToSave() {
    const state = { inbox_seq: this._savedInboxCursor };
    if (this._savedGroupsSince !== undefined) state.groups_since = this._savedGroupsSince;
    return state;
  },

  /** The SYNC inbox cursor this client reads from next. */
  inboxCursor() {
    return this._inboxCursor;
  },

  /**
   * Catches up now; resolves once the SYNC pages are read and every PULL has
   * ended: from then on 'message' has fired for everything the server held
   * when the SYNC was answered. Rejects with the first failed request of
   * the run, or 503 after syncTimeoutMs or on close().
   */
  sync() {
    if (this._state === 'closed') return Promise.reject(new ParleyError(503, 'client closed'));
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, timer: null };
      waiter.timer = setTimeout(() => {
        this._syncWaiters.delete(waiter);
        reject(new ParleyError(503, 'sync timed out'));
      }, this.options.syncTimeoutMs);
      this._syncWaiters.add(waiter);
      if (this._state === 'online') this._startCatchup();
      // Offline: the catch-up after the next login serves this waiter.
    });
  },

  _startCatchup() {
    if (this._paging) {
      // The SYNC in flight may have been answered before what the caller
      // wants to see; one more round after it will not have been.
      this._pageAgain = true;
      return;
    }
    this._paging = true;
    this._fellBack = false;
    this._catchupError = null;
    this._requestSyncPage();
  },

  _requestSyncPage() {
    const body = { cmd: CMD_SYNC, inbox_seq: this._inboxCursor, limit: this.options.syncLimit };
    if (this._groupsSince !== undefined) body.groups_since = this._groupsSince;
    this.request(body).then(
      (page) => this._onSyncPage(page),
      (err) => {
        // A server without SYNC: the listing of every conversation still
        // catches up, only with more requests.
        if (err.code === 404) return this._fallBackToConversations(undefined);
        this._endPaging(err);
      });
  },

  _onSyncPage(page) {
    if (page.expired && !this._fellBack) {
      return this._fallBackToConversations(page.next_inbox_seq);
    }
    const previous = this._inboxCursor;
    for (const entry of page.payload ?? []) {
      const m = entry?.message;
      if (!m || typeof m.conversation_id !== 'string' || !Number.isInteger(m.seq)) continue;
      this._apply(m.hole === true ? this._tracker.onHole(m) : this._tracker.onPush(m));
    }
    if (Number.isInteger(page.next_inbox_seq)) this._inboxCursor = page.next_inbox_seq;
    // A page that does not advance ends the round, so a confused server
    // cannot keep the client asking forever.
    if (page.has_more && this._inboxCursor > previous) return this._requestSyncPage();
    // Listed groups are applied only after the whole inbox was read: small
    // groups are in the inbox too, and PULLing them earlier would fetch what
    // the next pages bring anyway.
    for (const c of page.conversations ?? []) {
      this._apply(this._tracker.onServerMax(c.conversation_id, c.max_seq));
    }
    // More groups moved than SYNC lists: CONVERSATIONS has them all; the
    // next SYNC may skip the unmoved ones only once they were seen.
    if (page.conversations_truncated && !this._fellBack) {
      this._pendingGroupsSince = page.next_groups_since;
      return this._fallBackToConversations(undefined);
    }
    if (page.next_groups_since !== undefined) this._groupsSince = page.next_groups_since;
    this._endPaging(null);
  },

  _fallBackToConversations(thenSyncFrom) {
    this._fellBack = true;
    this._requestConversationsPage('', 0, thenSyncFrom);
  },

  _requestConversationsPage(cursor, pagesRead, thenSyncFrom) {
    const body = { cmd: CMD_CONVERSATIONS, limit: CONVERSATION_PAGE };
    if (cursor) body.cursor = cursor;
    this.request(body).then((page) => {
      // Unknown conversations start at seq 0 (or at max_seq, as the
      // tracker's policy says); known ones PULL from delivered.
      for (const c of page.conversations ?? []) {
        this._apply(this._tracker.onServerMax(c.conversation_id, c.max_seq));
      }
      if (page.has_more && page.next_cursor && page.next_cursor !== cursor &&
          pagesRead + 1 < MAX_CONVERSATION_PAGES) {
        return this._requestConversationsPage(page.next_cursor, pagesRead + 1, thenSyncFrom);
      }
      if (this._pendingGroupsSince !== undefined) {
        this._groupsSince = this._pendingGroupsSince;
        this._pendingGroupsSince = undefined;
      }
      if (thenSyncFrom === undefined) return this._endPaging(null);
      // Moved only now: had the listing failed, the next catch-up must find
      // the cursor expired and fall back again.
      this._inboxCursor = thenSyncFrom;
      this._requestSyncPage();
    }, (err) => this._endPaging(err));
  },

  _endPaging(error) {
    this._paging = false;
    if (error) {
      this._catchupError ??= error;
      this._pageAgain = false;
    } else if (this._pageAgain) {
      this._pageAgain = false;
      return this._startCatchup();
    } else {
      for (const cursor of this._tracker.resumeGaps()) this._issuePull(cursor);
    }
    this._maybeFinishSync();
  },

  // A catch-up may open a PULL chain for each of thousands of
  // conversations; the limit keeps them within maxPendingRequests.
  _issuePull(cursor) {
    if (this._pullsInFlight >= this.options.maxConcurrentPulls) {
      if (!this._pullQueued.has(cursor.conversation_id)) {
        this._pullQueued.add(cursor.conversation_id);
        this._pullBacklog.push(cursor);
      }
      return;
    }
    this._pullsInFlight += 1;
    const id = cursor.conversation_id;
    this.request({ cmd: CMD_PULL, conversation_id: id, cursor_seq: cursor.cursor_seq,
                   limit: this.options.pullLimit })
      .then((page) => {
        this._pullsInFlight -= 1;
        this._apply(this._tracker.onPullPage(id, page.payload ?? [], page.next_cursor_seq,
                                             page.has_more === true));
      }, (err) => {
        this._pullsInFlight -= 1;
        this._tracker.onPullFailed(id);
        this._catchupError ??= err;
      })
      .finally(() => {
        this._issueBacklog();
        this._maybeFinishSync();
      });
  },

  _issueBacklog() {
    while (this._state !== 'closed' && this._pullsInFlight < this.options.maxConcurrentPulls &&
           this._pullBacklog.length > 0) {
      const next = this._pullBacklog.shift();
      this._pullQueued.delete(next.conversation_id);
      this._issuePull(next);
    }
  },

  _catchingUp() {
    return this._paging || this._pullsInFlight > 0 || this._pullBacklog.length > 0;
  },

  _maybeFinishSync() {
    if (this._catchingUp()) return;
    const error = this._catchupError;
    this._catchupError = null;
    if (!error) {
      // Everything up to the cursor is delivered or settled: safe to keep.
      if (!this._hasOpenGaps()) {
        this._savedInboxCursor = this._inboxCursor;
        this._savedGroupsSince = this._groupsSince;
        this._scheduleSave();
      }
      this.emit('synced', { inbox_seq: this._inboxCursor });
    }
    for (const waiter of [...this._syncWaiters]) {
      this._syncWaiters.delete(waiter);
      clearTimeout(waiter.timer);
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  },

  _hasOpenGaps() {
    for (const conv of this._tracker.conversations.values()) {
      if (conv.delivered < conv.maxSeen || conv.pulling) return true;
    }
    return false;
  },

  _failSyncWaiters(error) {
    this._pullBacklog = [];
    this._pullQueued.clear();
    for (const waiter of [...this._syncWaiters]) {
      this._syncWaiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  },
};
