// The exact-delivery properties of the SDK against a real parleyd: a device
// cut off while traffic flows converges to exactly the online device's
// state; a send whose answer is lost is retried with the same msg_id and
// stored once; positions survive a restart; an expired SYNC cursor falls
// back to CONVERSATIONS + PULL.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FileStore, ParleyClient } from '../src/index.js';
import { cutOffScenario } from './support/cut_off.js';
import { startServer } from './support/server.js';
import { startProxy } from './support/proxy.js';
import { device, newUser, nextEvent, seqs } from './support/util.js';

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a device cut off while 1,000 messages flow', () => {
  let server;
  before(async () => { server = await startServer(['--fanout-threshold', '2']); });
  after(async () => server?.stop());

  test('converges to exactly the online device\'s state', async () => {
    await cutOffScenario({ register: server.url, online: server.url, cutOffPort: server.port,
                           senders: [server.url] });
  });
});

describe('a send whose answer is lost', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => server?.stop());

  test('is retried with the same msg_id and stored once', async () => {
    const alice = await newUser(server.url, 'alice');
    const bob = await newUser(server.url, 'bob');
    const receiver = await device(server.url, bob);
    const proxy = await startProxy(server.port);
    const sender = await device(proxy.url, alice, { backoffInitialMs: 20, backoffMaxMs: 100 });

    // The CHAT reaches the server, its answer does not reach the client.
    proxy.muteDownstream();
    const sent = sender.client.send({ to: bob.userId, content: 'exactly once',
                                      msg_id: 'm-lost-1' });
    const pushed = await nextEvent(receiver.client, 'message');
    assert.equal(pushed.msg_id, 'm-lost-1');
    proxy.cut();  // the connection dies with the answer in it
    proxy.muteDownstream(false);

    const ack = await sent;
    assert.equal(ack.msg_id, 'm-lost-1');
    assert.equal(ack.seq, pushed.seq);
    await sender.client.send({ to: bob.userId, content: 'next' });

    const page = await receiver.client.pull(ack.conversation_id, 0, 50);
    assert.deepEqual(page.payload.map((m) => m.content), ['exactly once', 'next']);
    await receiver.client.sync();
    assert.deepEqual(seqs(receiver.byConversation.get(ack.conversation_id)), [1, 2]);

    await proxy.close();
    await sender.client.close();
    await receiver.client.close();
  });

  test('a refusal is not retried: 403 for an outsider\'s group', async () => {
    const owner = await newUser(server.url, 'own');
    const outsider = await newUser(server.url, 'out');
    const o = await device(server.url, owner);
    const x = await device(server.url, outsider);
    const group = await o.client.createGroup('private club', []);
    await assert.rejects(x.client.send({ conversation_id: group.conversation_id, content: 'hi' }),
                         (err) => err.code === 403);
    await assert.rejects(x.client.pull(group.conversation_id, 0, 10), (err) => err.code === 403);
    await o.client.close();
    await x.client.close();
  });
});

describe('positions', () => {
  let server;
  let dir;
  before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'parley-sdk-store-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('survive a restart: only what came since is delivered', async () => {
    const alice = await newUser(server.url, 'alice');
    const bob = await newUser(server.url, 'bob');
    const a = await device(server.url, alice);
    const store = new FileStore(dir);
    const first = await device(server.url, bob, { store });
    for (let i = 0; i < 20; i += 1) await a.client.send({ to: bob.userId, content: `old ${i}` });
    await first.client.sync();
    const conv = [...first.byConversation.keys()][0];
    assert.deepEqual(seqs(first.byConversation.get(conv)), range(1, 20));
    await first.client.close();

    for (let i = 0; i < 30; i += 1) await a.client.send({ to: bob.userId, content: `new ${i}` });
    const second = await device(server.url, bob, { store: new FileStore(dir) });
    await second.client.sync();
    assert.deepEqual(seqs(second.byConversation.get(conv)), range(21, 50));
    assert.ok(second.client.inboxCursor() >= 50);
    await second.client.close();
    await a.client.close();
  });

  test('an unacknowledged send in the outbox is sent after a restart, once', async () => {
    const alice = await newUser(server.url, 'alice');
    const bob = await newUser(server.url, 'bob');
    const store = new FileStore(dir);
    // Never connected: the send waits in the outbox, which close() saves.
    const offline = new ParleyClient({ url: server.url, token: alice.token, store });
    await offline._loadPositions(alice.userId);
    const pending = offline.send({ to: bob.userId, content: 'from the outbox', msg_id: 'ob-1' });
    pending.catch(() => {});
    await offline.close();
    await assert.rejects(pending, (err) => err.code === 503 && err.queued === true);

    const b = await device(server.url, bob);
    const restarted = new ParleyClient({ url: server.url, token: alice.token, store });
    const sentEvent = nextEvent(restarted, 'sent');
    await restarted.connect();
    const ack = await sentEvent;
    assert.equal(ack.msg_id, 'ob-1');
    await b.client.sync();
    const page = await b.client.pull(ack.conversation_id, 0, 10);
    assert.deepEqual(page.payload.map((m) => m.msg_id), ['ob-1']);
    await restarted.close();
    assert.deepEqual((await store.load(alice.userId)).outbox, []);
    await b.client.close();
  });
});

describe('an expired SYNC cursor', () => {
  let server;
  before(async () => { server = await startServer(['--inbox-retention', '1500ms']); });
  after(async () => server?.stop());

  test('falls back to CONVERSATIONS + PULL and converges', async () => {
    const alice = await newUser(server.url, 'alice');
    const bob = await newUser(server.url, 'bob');
    const carol = await newUser(server.url, 'carol');
    const a = await device(server.url, alice);
    const c = await device(server.url, carol);
    const b = await device(server.url, bob);
    await a.client.send({ to: bob.userId, content: 'before' });
    await b.client.sync();
    await b.client.close();

    for (let i = 0; i < 10; i += 1) await a.client.send({ to: bob.userId, content: `a${i}` });
    for (let i = 0; i < 5; i += 1) await c.client.send({ to: bob.userId, content: `c${i}` });
    await new Promise((r) => setTimeout(r, 1700));  // the inbox entries expire
    // The new device keeps the old one's positions (MemoryStore shared).
    let expired = false;
    // The new device keeps the old one's positions (the same store).
    const again = await device(server.url, bob, {
      store: b.client.store,
      beforeConnect(client) {
        const original = client._fallBackToConversations.bind(client);
        client._fallBackToConversations = (from) => {
          if (from !== undefined) expired = true;
          return original(from);
        };
      },
    });
    await again.client.sync();
    assert.ok(expired, 'the SYNC answer was not expired');
    const fromAlice = [...again.byConversation.entries()].find(([id]) => id.includes(alice.userId));
    const fromCarol = [...again.byConversation.entries()].find(([id]) => id.includes(carol.userId));
    assert.deepEqual(seqs(fromAlice[1]), range(2, 11));
    assert.deepEqual(seqs(fromCarol[1]), range(1, 5));
    await Promise.all([a, c, again].map((d) => d.client.close()));
  });
});
