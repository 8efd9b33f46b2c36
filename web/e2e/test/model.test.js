// The app's model (web/app/js/model.js) without a browser: unread counts,
// ticks from receipts, events applied to what is loaded, a replay of what a
// listing already counted, group system messages in words.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { Conversation, Model, preview, privateId, systemText } from '../../app/js/model.js';

const DM = 'private_alice:bob';
let seq = 0;
const msg = (extra) => ({ conversation_id: DM, seq: (seq += 1), sender_id: 'bob', msg_type: 1,
                          content: `m${seq}`, send_time: 1000 + seq, ...extra });

describe('the app model', () => {
  test('conversation ids and titles', () => {
    assert.equal(privateId('bob', 'alice'), DM);
    assert.equal(new Conversation(DM, 'alice').title(), 'bob');
    assert.equal(new Conversation(DM, 'bob').title(), 'alice');
    const group = new Conversation('group_g1', 'alice');
    assert.equal(group.kind, 'group');
    assert.equal(group.title(), 'g1');
  });

  test('unread counts what came live from others, not what the listing counted', () => {
    seq = 0;
    const model = new Model('alice');
    const conv = model.addListing({ conversation_id: DM, max_seq: 3, last_ack_seq: 1, unread: 2,
                                    last_message: { ...msg(), seq: 3 } });
    assert.equal(conv.unread, 2);
    seq = 1;
    conv.add(msg(), 'alice', { live: true });  // seq 2: a replay, counted already
    conv.add(msg(), 'alice', { live: true });  // seq 3: the same
    assert.equal(conv.unread, 2);
    conv.add(msg(), 'alice', { live: true });  // seq 4: news
    conv.add(msg({ sender_id: 'alice' }), 'alice', { live: true });  // own: never unread
    assert.equal(conv.unread, 3);
    conv.markedRead(4, 'alice');
    assert.equal(conv.unread, 0);
    assert.equal(conv.last.seq, 5);
  });

  test('ticks: sent, delivered once every other member has it, read once all read', () => {
    const conv = new Conversation('group_g', 'alice');
    assert.equal(conv.tick(5, 'alice'), 'sent');
    conv.setReceipt('bob', 'delivered', 5);
    conv.setReceipt('carol', 'delivered', 4);
    assert.equal(conv.tick(5, 'alice'), 'sent');
    conv.setReceipt('carol', 'read', 6);  // read implies delivered
    assert.equal(conv.tick(5, 'alice'), 'delivered');
    conv.setReceipt('bob', 'read', 5);
    assert.equal(conv.tick(5, 'alice'), 'read');
    assert.equal(conv.tick(7, 'alice'), 'sent');
    conv.setReceipt('bob', 'read', 2);  // receipts only move forward
    assert.equal(conv.tick(5, 'alice'), 'read');
  });

  test('edits, recalls and reactions change the loaded message and the preview', () => {
    seq = 0;
    const conv = new Conversation(DM, 'alice');
    conv.add(msg({ reactions: [{ emoji: '👍', users: ['alice'] }] }), 'alice');
    assert.deepEqual(conv.messages.get(1).reactions, { '👍': ['alice'] });
    conv.add(msg({ msg_type: 101, target_seq: 1, content: 'fixed' }), 'alice', { live: true });
    assert.equal(conv.messages.get(1).content, 'fixed');
    assert.equal(preview(conv.last, 'alice'), 'fixed');
    conv.add(msg({ msg_type: 103, target_seq: 1, content: '👍', sender_id: 'bob' }), 'alice');
    assert.deepEqual(conv.messages.get(1).reactions, { '👍': ['alice', 'bob'] });
    conv.add(msg({ msg_type: 102, target_seq: 1, content: '' }), 'alice');
    assert.equal(conv.messages.get(1).recalled, true);
    assert.equal(preview(conv.last, 'alice'), 'Message recalled');
    assert.deepEqual(conv.shown().map((m) => m.seq), [], 'history not loaded: nothing shown');
    conv.oldestLoaded = 0;
    assert.deepEqual(conv.shown().map((m) => m.seq), [1], 'events are not bubbles');
  });

  test('state read from the server is not changed again by older events', () => {
    seq = 0;
    const model = new Model('alice');
    // The listing shows seq 1 as of seq 3: edited by 2, 👍 by bob at 3.
    const conv = model.addListing({ conversation_id: DM, max_seq: 3, unread: 0, last_message: {
      ...msg(), content: 'v2', edit_seq: 2, reactions: [{ emoji: '👍', users: ['bob'] }] } });
    // A fresh device's catch-up replays 2 and 3, then bob takes back the 👍 (4).
    conv.add(msg({ msg_type: 101, target_seq: 1, content: 'v2' }), 'alice', { live: true });
    conv.add(msg({ msg_type: 103, target_seq: 1, content: '👍' }), 'alice', { live: true });
    conv.add(msg({ msg_type: 103, target_seq: 1, content: '👍', remove: true }), 'alice',
             { live: true });
    assert.deepEqual(conv.messages.get(1).reactions, {});
    assert.equal(conv.messages.get(1).content, 'v2');
    // HISTORY answers the current state, which replaces what was held.
    conv.add({ ...msg(), seq: 1, content: 'v3' }, 'alice', { current: true });
    assert.equal(conv.messages.get(1).content, 'v3');
  });

  test('typing ends by itself, and with a message from the typist', () => {
    seq = 0;
    const conv = new Conversation(DM, 'alice');
    conv.setTyping('bob', true);
    assert.deepEqual(conv.typers(), ['bob']);
    assert.deepEqual(conv.typers(Date.now() + 7000), []);
    conv.setTyping('bob', true);
    conv.add(msg(), 'alice', { live: true });
    assert.deepEqual(conv.typers(), []);
  });

  test('group system messages in words', () => {
    const system = (body) => ({ conversation_id: 'group_g', seq: 1, msg_type: 100,
                                sender_id: body.actor, content: JSON.stringify(body) });
    assert.equal(systemText(system({ event: 'create', actor: 'alice', users: [], name: 'Trip' }),
                            'bob'), 'alice created the group “Trip”');
    assert.equal(systemText(system({ event: 'kick', actor: 'alice', users: ['carol'] }), 'carol'),
                 'alice removed you');
    assert.equal(systemText(system({ event: 'invite', actor: 'bob', users: ['dan', 'eve'] }),
                            'bob'), 'You added dan, eve');
  });
});
