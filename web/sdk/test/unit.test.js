// Pure parts of the SDK, without a server: the URLs it derives from the
// page's origin; the delivery tracker's dedup, gap and hole handling; edits, recalls and reactions applied to a message; the
// IndexedDB store (on fake-indexeddb); upload progress; the client's bounds.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { IDBFactory } from 'fake-indexeddb';

import { DeliveryTracker, IndexedDBStore, MemoryStore, MsgType, ParleyClient, Timeline,
         applyEvent, kindOf, reactionsOf, uploadMedia } from '../src/index.js';
import { httpBase, wsUrl } from '../src/transport.js';

const msg = (seq, extra = {}) => ({ conversation_id: 'c', seq, msg_id: `m${seq}`,
                                    sender_id: 'alice', content: `t${seq}`, msg_type: 1,
                                    send_time: 1000 + seq, ...extra });

describe('server URLs', () => {
  // The web app passes location.origin: a page served over https must reach
  // the server over wss:// and https:// (a browser refuses mixed content).
  test('https gives wss:// and https://, http gives ws:// and http://', () => {
    assert.equal(wsUrl('https://chat.example.com'), 'wss://chat.example.com/ws');
    assert.equal(wsUrl('https://chat.example.com:8443/'), 'wss://chat.example.com:8443/ws');
    assert.equal(httpBase('https://chat.example.com'), 'https://chat.example.com');
    assert.equal(httpBase('wss://chat.example.com:8443/ws'), 'https://chat.example.com:8443');
    assert.equal(wsUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/ws');
    assert.equal(httpBase('ws://127.0.0.1:8080/ws'), 'http://127.0.0.1:8080');
  });
});

describe('DeliveryTracker', () => {
  test('delivers in order once; duplicates dropped; a gap asks for a PULL', () => {
    const t = new DeliveryTracker();
    assert.deepEqual(t.onPush(msg(1)).deliver.map((m) => m.seq), [1]);
    assert.deepEqual(t.onPush(msg(1)).deliver, []);
    const gap = t.onPush(msg(3));
    assert.deepEqual(gap.deliver, []);
    assert.deepEqual(gap.pull, { conversation_id: 'c', cursor_seq: 1 });
    // No second PULL chain while one is in flight.
    assert.equal(t.onPush(msg(4)).pull, null);
    const page = t.onPullPage('c', [msg(2), msg(3)], 3, false);
    assert.deepEqual(page.deliver.map((m) => m.seq), [2, 3, 4]);
    assert.equal(page.pull, null);
    assert.equal(t.delivered('c'), 4);
  });

  test('a hole marker settles its seq silently', () => {
    const t = new DeliveryTracker();
    t.onPush(msg(1));
    t.onPush(msg(3));
    const page = t.onPullPage('c', [{ conversation_id: 'c', seq: 2, hole: true }, msg(3)], 3,
                              false);
    assert.deepEqual(page.deliver.map((m) => m.seq), [3]);
    assert.deepEqual(t.onHole({ conversation_id: 'c', seq: 4 }).deliver, []);
    assert.deepEqual(t.onPush(msg(5)).deliver.map((m) => m.seq), [5]);
  });

  test('own sends advance without delivery; a listing beyond asks for a PULL', () => {
    const t = new DeliveryTracker();
    assert.deepEqual(t.onSent(msg(1)).deliver, []);
    assert.deepEqual(t.onPush(msg(1)).deliver, []);  // its push is not news
    assert.deepEqual(t.onServerMax('c', 5).pull, { conversation_id: 'c', cursor_seq: 1 });
    const page = t.onPullPage('c', [msg(2), msg(3)], 3, true);
    assert.deepEqual(page.pull, { conversation_id: 'c', cursor_seq: 3 });
    const last = t.onPullPage('c', [msg(4), msg(5)], 5, false);
    assert.deepEqual(last.deliver.map((m) => m.seq), [4, 5]);
    assert.equal(last.pull, null);
  });

  test('setCursor: positions from the store are not delivered again', () => {
    const t = new DeliveryTracker();
    t.setCursor('c', 10);
    assert.deepEqual(t.onPush(msg(10)).deliver, []);
    assert.deepEqual(t.onPush(msg(11)).deliver.map((m) => m.seq), [11]);
    assert.deepEqual(t.positions(), { c: 11 });
  });

  test('the buffer is bounded; what it dropped is fetched by the PULL chain', () => {
    const t = new DeliveryTracker({ maxBufferedPerConversation: 2 });
    t.onPush(msg(5));
    t.onPush(msg(6));
    t.onPush(msg(7));  // dropped from the buffer, remembered as seen
    assert.equal(t.conversations.get('c').buffered.size, 2);
    const page = t.onPullPage('c', [1, 2, 3, 4, 5].map((s) => msg(s)), 5, false);
    assert.deepEqual(page.deliver.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(page.pull, { conversation_id: 'c', cursor_seq: 6 });  // 7 still missing
    assert.deepEqual(t.onPullPage('c', [msg(7)], 7, false).deliver.map((m) => m.seq), [7]);
  });
});

// The cases of tests/unit/client/delivery_tracker_test.cc, so the JS port
// and the C++ tracker agree.
describe('DeliveryTracker, as the C++ tracker', () => {
  const seqsOf = (step) => step.deliver.map((m) => m.seq);
  const rangeOf = (a, b, conv = 'c') =>
    Array.from({ length: b - a + 1 }, (_, i) => msg(a + i, { conversation_id: conv }));

  test('without catch-up the first push starts there, no backfill', () => {
    const t = new DeliveryTracker({ catchUpUnknown: false });
    const step = t.onPush(msg(7));
    assert.deepEqual(seqsOf(step), [7]);
    assert.equal(step.pull, null);
    assert.equal(t.delivered('c'), 7);
  });

  test('a push after the PULL started triggers one more PULL', () => {
    const t = new DeliveryTracker();
    t.onPush(msg(1));
    assert.ok(t.onPush(msg(3)).pull);
    t.onPush(msg(6));  // arrives while the PULL is in flight
    const page = t.onPullPage('c', rangeOf(2, 3), 3, false);
    assert.deepEqual(seqsOf(page), [2, 3]);
    assert.deepEqual(page.pull, { conversation_id: 'c', cursor_seq: 3 });
    const again = t.onPullPage('c', rangeOf(4, 6), 6, false);
    assert.deepEqual(seqsOf(again), [4, 5, 6]);
    assert.equal(again.pull, null);
  });

  test('a gap the server does not have is skipped, not waited on forever', () => {
    const t = new DeliveryTracker();
    t.onPush(msg(1));
    assert.ok(t.onPush(msg(4)).pull);
    const page = t.onPullPage('c', [msg(4)], 4, false);
    assert.deepEqual(seqsOf(page), [4]);
    assert.equal(page.pull, null);
    assert.deepEqual(seqsOf(t.onPush(msg(5))), [5]);
  });

  test('a failed PULL is asked again by the next gap, and by resumeGaps', () => {
    const t = new DeliveryTracker();
    t.onPush(msg(1, { conversation_id: 'group_a' }));
    t.onPush(msg(1));
    assert.ok(t.onPush(msg(3)).pull);
    assert.deepEqual(t.resumeGaps(), []);  // still in flight
    t.onPullFailed('c');
    assert.deepEqual(t.resumeGaps(), [{ conversation_id: 'c', cursor_seq: 1 }]);
    t.onPullFailed('c');
    assert.deepEqual(t.onPush(msg(4)).pull, { conversation_id: 'c', cursor_seq: 1 });
  });

  test('catchup fetches from the given seq', () => {
    const t = new DeliveryTracker();
    assert.deepEqual(t.catchup('c', 10).pull, { conversation_id: 'c', cursor_seq: 10 });
    assert.deepEqual(seqsOf(t.onPush(msg(13))), []);
    assert.deepEqual(seqsOf(t.onPullPage('c', rangeOf(11, 13), 13, false)), [11, 12, 13]);
  });

  test('a listing during a PULL extends the chain; without catch-up it starts at max', () => {
    const t = new DeliveryTracker();
    t.onPush(msg(1));
    assert.ok(t.onPush(msg(3)).pull);
    assert.equal(t.onServerMax('c', 5).pull, null);  // one chain per conversation
    const page = t.onPullPage('c', rangeOf(2, 3), 3, false);
    assert.deepEqual(page.pull, { conversation_id: 'c', cursor_seq: 3 });
    assert.deepEqual(seqsOf(t.onPullPage('c', rangeOf(4, 5), 5, false)), [4, 5]);

    const lazy = new DeliveryTracker({ catchUpUnknown: false });
    assert.equal(lazy.onServerMax('group_a', 9).pull, null);
    assert.equal(lazy.delivered('group_a'), 9);
    assert.deepEqual(seqsOf(lazy.onPush(msg(10, { conversation_id: 'group_a' }))), [10]);
  });
});

describe('edits, recalls, reactions', () => {
  const target = msg(1, { media: { media_id: 'x' } });
  const event = (type, extra) => msg(9, { msg_type: type, target_seq: 1, ...extra });

  test('an edit by the sender changes the content; by anyone else, nothing', () => {
    const edited = applyEvent(target, event(MsgType.EDIT, { content: 'fixed' }));
    assert.equal(edited.content, 'fixed');
    assert.equal(edited.edited_at, 1009);
    assert.equal(target.content, 't1');  // inputs unchanged
    assert.equal(applyEvent(target, event(MsgType.EDIT, { sender_id: 'eve', content: 'x' })),
                 target);
  });

  test('a recall erases content and media; later events do not revive it', () => {
    const recalled = applyEvent(target, event(MsgType.RECALL, { sender_id: 'admin' }));
    assert.equal(recalled.content, '');
    assert.equal(recalled.recalled, true);
    assert.equal(recalled.recalled_by, 'admin');
    assert.equal(recalled.media, undefined);
    assert.equal(applyEvent(recalled, event(MsgType.EDIT, { content: 'back' })), recalled);
  });

  test('reactions add and remove per user; target_seq may sit in the payload', () => {
    let m = applyEvent(target, event(MsgType.REACTION, { content: '👍', sender_id: 'bob' }));
    m = applyEvent(m, event(MsgType.REACTION, { content: '👍', sender_id: 'carol' }));
    m = applyEvent(m, { ...event(MsgType.REACTION, { content: '👍', sender_id: 'bob' }),
                        target_seq: undefined, payload: { target_seq: 1, remove: true } });
    assert.deepEqual(m.reactions, { '👍': ['carol'] });
  });

  test('reactions stored by the server ([{emoji, users}]) are read and changed', () => {
    const stored = { ...target, reactions: [{ emoji: '👍', users: ['bob', 'carol'] },
                                            { emoji: '❤️', users: ['bob'] }] };
    assert.deepEqual(reactionsOf(stored), { '👍': ['bob', 'carol'], '❤️': ['bob'] });
    const m = applyEvent(stored, event(MsgType.REACTION, { content: '❤️', sender_id: 'bob',
                                                           remove: true }));
    assert.deepEqual(m.reactions, { '👍': ['bob', 'carol'] });
    const tl = new Timeline();
    assert.deepEqual(tl.add(stored).reactions, reactionsOf(stored));
    // A reaction already counted in the stored state is not counted twice.
    assert.deepEqual(applyEvent(m, event(MsgType.REACTION, { content: '👍', sender_id: 'bob' }))
      .reactions, { '👍': ['bob', 'carol'] });
  });

  test('an edit already in a target read from HISTORY is not replayed over a later one', () => {
    const read = { ...target, content: 'second', edit_seq: 12, edited_at: 2000 };
    assert.equal(applyEvent(read, msg(11, { msg_type: MsgType.EDIT, target_seq: 1,
                                            content: 'first' })), read);
  });

  test('Timeline applies events to messages it holds, and stays bounded', () => {
    const tl = new Timeline({ maxPerConversation: 3 });
    for (let s = 1; s <= 4; s += 1) tl.add(msg(s));
    assert.deepEqual(tl.messages('c').map((m) => m.seq), [2, 3, 4]);
    assert.equal(tl.add(msg(5, { msg_type: MsgType.EDIT, target_seq: 1, content: 'x' })), null);
    const updated = tl.add(msg(6, { msg_type: MsgType.EDIT, target_seq: 3, content: 'new' }));
    assert.equal(updated.content, 'new');
    assert.equal(tl.get('c', 3).content, 'new');
    assert.equal(kindOf(msg(7, { msg_type: MsgType.IMAGE })), 'image');
  });
});

describe('stores', () => {
  for (const [name, make] of [['MemoryStore', () => new MemoryStore()],
                              ['IndexedDBStore', () => new IndexedDBStore({
                                indexedDB: new IDBFactory() })]]) {
    test(`${name} keeps one state per user`, async () => {
      const store = make();
      assert.equal(await store.load('alice'), null);
      await store.save('alice', { inbox_seq: 7, delivered: { c: 3 }, outbox: [] });
      await store.save('bob', { inbox_seq: 1, delivered: {}, outbox: [] });
      assert.deepEqual(await store.load('alice'), { inbox_seq: 7, delivered: { c: 3 },
                                                    outbox: [] });
      assert.equal((await store.load('bob')).inbox_seq, 1);
    });
  }
});

describe('uploadMedia', () => {
  // A stand-in for POST /api/media until the server's lands: it checks what
  // the SDK sends and answers like docs/design.md "Media" says.
  test('sends the bytes with the token and name, and reports progress', async () => {
    let seen = null;
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        seen = { url: req.url, auth: req.headers.authorization, type: req.headers['content-type'],
                 size: Buffer.concat(chunks).length };
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ media_id: 'm1', content_type: 'image/png', size: seen.size,
                                 sha256: 'x' }));
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const bytes = new Uint8Array(300 * 1024).fill(7);
    const progress = [];
    const answer = await uploadMedia(`http://127.0.0.1:${server.address().port}`, 'tok', bytes,
                                     { name: 'cat.png', contentType: 'image/png',
                                       onProgress: (sent, total) => progress.push([sent, total]) });
    server.close();
    assert.equal(answer.media_id, 'm1');
    assert.deepEqual(seen, { url: '/api/media?name=cat.png', auth: 'Bearer tok',
                             type: 'image/png', size: bytes.length });
    assert.ok(progress.length >= 4, `progress reported ${progress.length} times`);
    assert.deepEqual(progress.at(-1), [bytes.length, bytes.length]);
    for (let i = 1; i < progress.length; i += 1) assert.ok(progress[i][0] > progress[i - 1][0]);
  });
});

describe('client limits (no server needed)', () => {
  test('requests beyond maxPendingRequests are refused with 429 at once', async () => {
    const client = new ParleyClient({ url: 'http://127.0.0.1:9', token: 't',
                                      maxPendingRequests: 2 });
    const waiting = [client.pull('c'), client.pull('c')];
    waiting.forEach((p) => p.catch(() => {}));
    await assert.rejects(client.pull('c'), (e) => e.code === 429);
    await client.close();
    for (const p of waiting) await assert.rejects(p, (e) => e.code === 503);
  });

  test('sends beyond maxOutbox are refused with 429; typing offline is dropped', async () => {
    const client = new ParleyClient({ url: 'http://127.0.0.1:9', token: 't', maxOutbox: 1 });
    const first = client.send({ to: 'bob', content: 'one' });
    first.catch(() => {});
    await assert.rejects(client.send({ to: 'bob', content: 'two' }), (e) => e.code === 429);
    assert.equal(client.typing({ to: 'bob' }, true), false);
    await assert.rejects(client.send({ content: 'nowhere' }), (e) => e.code === 400);
    await client.close();
    await assert.rejects(first, (e) => e.code === 503);
  });

  test('an unreachable server fails connect with 503, and connect may be tried again',
       async () => {
         const client = new ParleyClient({ url: 'http://127.0.0.1:9', token: 't',
                                           connectTimeoutMs: 2000 });
         await assert.rejects(client.connect(), (e) => e.code === 503);
         assert.equal(client.state, 'idle');
         await assert.rejects(client.connect(), (e) => e.code === 503);
         await client.close();
         await assert.rejects(client.connect(), (e) => e.code === 400);
       });
});
