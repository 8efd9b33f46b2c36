// Turns at-least-once, possibly out-of-order pushes into an exactly-once,
// in-order, gap-free stream per conversation (docs/design.md "Delivery").
// The same algorithm as the C++ client (client/delivery_tracker.cc); keep the
// two in step.
//
// Per conversation it keeps `delivered`: every seq <= delivered has been
// handed to the application. A message at delivered+1 is delivered at once
// (then any buffered successors); a lower seq is a duplicate and dropped; a
// higher seq reveals a gap: the message is buffered and a PULL from
// `delivered` is asked for. PULL pages feed back in through onPullPage until
// the gap is closed.
//
//   delivered        buffered (bounded)
//   ... 7  8  9 | 10 11 __ __ 14 __ 16
//                 ^ PULL cursor_seq=9 fetches 10.. in order
//
// Hole markers ({"conversation_id","seq","hole":true}, cluster mode) settle a
// seq silently: the timeline moves past it and nothing is delivered for it.
// So do messages this device sent itself (onSent).
//
// Pure logic: no I/O, no timers. Every method returns a step
// {deliver: [msg…], pull: {conversation_id, cursor_seq} | null}; the caller
// hands `deliver` to the application and issues the PULL. The tracker asks
// for a new PULL chain only when none is in flight for that conversation.

export class DeliveryTracker {
  /**
   * @param {{maxBufferedPerConversation?: number, catchUpUnknown?: boolean}} options
   *   catchUpUnknown: a conversation first seen (push, listing, own send)
   *   starts at seq 0, so its whole history is fetched; false: at what was seen.
   */
  constructor({ maxBufferedPerConversation = 1024, catchUpUnknown = true } = {}) {
    this.maxBuffered = maxBufferedPerConversation;
    this.catchUpUnknown = catchUpUnknown;
    /** @type {Map<string, Conv>} */
    this.conversations = new Map();
  }

  // The application's known position: seqs up to `deliveredSeq` are not
  // delivered again and nothing is fetched now.
  setCursor(conversationId, deliveredSeq) {
    const conv = this.#get(conversationId, 0);
    conv.delivered = deliveredSeq;
    conv.maxSeen = Math.max(conv.maxSeen, deliveredSeq);
    const step = newStep();
    this.#drain(conv, step);
    return step;
  }

  // setCursor, then fetch everything after `fromSeq`.
  catchup(conversationId, fromSeq) {
    const step = this.setCursor(conversationId, fromSeq);
    const conv = this.conversations.get(conversationId);
    if (conv.pulling) {
      conv.restart = true;  // the chain in flight restarts on its next page
    } else {
      step.pull = this.#startPull(conversationId, conv);
    }
    return step;
  }

  // A pushed message, or one read from the SYNC inbox.
  onPush(message) {
    return this.#accept(message, false);
  }

  // A message this device sent and the server acknowledged: it advances the
  // timeline but is not handed back to the application.
  onSent(message) {
    return this.#accept(message, true);
  }

  // A seq that holds no message and never will.
  onHole(hole) {
    return this.#accept({ conversation_id: hole.conversation_id, seq: hole.seq }, true);
  }

  // The server says the conversation holds seqs up to `maxSeq` (a SYNC or
  // CONVERSATIONS listing): fetch what is missing.
  onServerMax(conversationId, maxSeq) {
    const conv = this.#get(conversationId, maxSeq);
    conv.maxSeen = Math.max(conv.maxSeen, maxSeq);
    const step = newStep();
    if (conv.delivered < conv.maxSeen && !conv.pulling) {
      step.pull = this.#startPull(conversationId, conv);
    }
    return step;
  }

  // One PULL page: `items` are messages and hole markers with seq > the
  // cursor asked for.
  onPullPage(conversationId, items, nextCursorSeq, hasMore) {
    const conv = this.conversations.get(conversationId);
    const step = newStep();
    if (!conv) return step;
    const sorted = items
      .filter((m) => m && m.conversation_id === conversationId)
      .sort((a, b) => a.seq - b.seq);
    for (const item of sorted) this.#place(conv, item, item.hole === true, step);
    if (!conv.pulling) return step;
    if (conv.restart) {
      step.pull = this.#startPull(conversationId, conv);
      return step;
    }
    if (hasMore) {
      step.pull = { conversation_id: conversationId,
                    cursor_seq: Math.max(nextCursorSeq, conv.delivered) };
      return step;
    }
    if (conv.maxSeen > conv.pullTarget && conv.maxSeen > conv.delivered) {
      // Pushes that arrived during the chain may have been committed after
      // the server read the timeline; one more PULL, sent after them, sees them.
      step.pull = this.#startPull(conversationId, conv);
      return step;
    }
    // The chain covered every seq seen before it started, so a gap still
    // open is not in the timeline: skip it rather than hold later messages
    // forever.
    conv.pulling = false;
    while (conv.buffered.size > 0) {
      conv.delivered = firstKey(conv.buffered) - 1;
      this.#drain(conv, step);
    }
    return step;
  }

  // The PULL failed. The gap stays; the next push past it or the next
  // catch-up (resumeGaps) asks again.
  onPullFailed(conversationId) {
    const conv = this.conversations.get(conversationId);
    if (conv) conv.pulling = false;
  }

  // A PULL for each conversation with an open gap and no PULL in flight.
  resumeGaps() {
    const pulls = [];
    for (const [id, conv] of this.conversations) {
      if (!conv.pulling && conv.delivered < conv.maxSeen) pulls.push(this.#startPull(id, conv));
    }
    return pulls;
  }

  delivered(conversationId) {
    const conv = this.conversations.get(conversationId);
    return conv ? conv.delivered : undefined;
  }

  // Every conversation's delivered seq, for persisting positions.
  positions() {
    const out = {};
    for (const [id, conv] of this.conversations) out[id] = conv.delivered;
    return out;
  }

  #get(id, firstSeenDelivered) {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = { delivered: this.catchUpUnknown ? 0 : firstSeenDelivered, maxSeen: 0,
               buffered: new Map(), pulling: false, pullTarget: 0, restart: false };
      this.conversations.set(id, conv);
    }
    return conv;
  }

  #accept(message, silent) {
    const id = message.conversation_id;
    const conv = this.#get(id, message.seq - 1);
    const step = newStep();
    this.#place(conv, message, silent, step);
    if (conv.buffered.size > 0 && !conv.pulling) step.pull = this.#startPull(id, conv);
    return step;
  }

  #place(conv, message, silent, step) {
    conv.maxSeen = Math.max(conv.maxSeen, message.seq);
    if (message.seq <= conv.delivered) return;  // duplicate
    if (message.seq === conv.delivered + 1) {
      conv.delivered = message.seq;
      if (!silent) step.deliver.push(message);
      this.#drain(conv, step);
      return;
    }
    // A full buffer drops the message; maxSeen still remembers it, so the
    // PULL chain runs until it is fetched.
    if (conv.buffered.size < this.maxBuffered && !conv.buffered.has(message.seq)) {
      conv.buffered.set(message.seq, { message, silent });
    }
  }

  #drain(conv, step) {
    while (conv.buffered.size > 0) {
      const seq = firstKey(conv.buffered);
      if (seq > conv.delivered + 1) break;
      const pending = conv.buffered.get(seq);
      conv.buffered.delete(seq);
      if (seq <= conv.delivered) continue;
      conv.delivered = seq;
      if (!pending.silent) step.deliver.push(pending.message);
    }
  }

  #startPull(id, conv) {
    conv.pulling = true;
    conv.restart = false;
    conv.pullTarget = conv.maxSeen;
    return { conversation_id: id, cursor_seq: conv.delivered };
  }
}

function newStep() {
  return { deliver: [], pull: null };
}

// The smallest key of a Map of seqs. The buffer is bounded (1024 by default),
// so a scan stays cheap and spares a sorted-map dependency.
function firstKey(map) {
  let min = Infinity;
  for (const k of map.keys()) if (k < min) min = k;
  return min;
}

/**
 * @typedef {{delivered: number, maxSeen: number,
 *            buffered: Map<number, {message: object, silent: boolean}>,
 *            pulling: boolean, pullTarget: number, restart: boolean}} Conv
 */
