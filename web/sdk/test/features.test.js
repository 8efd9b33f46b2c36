// The SDK's feature calls against a real parleyd: accounts and auth,
// replies, receipts, typing, groups and roles, and the refusals an
// outsider or bad input gets.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ParleyClient, ParleyError, login, register } from '../src/index.js';
import { startServer } from './support/server.js';
import { device, newUser, nextEvent, uniqueId, waitFor } from './support/util.js';

let server;
before(async () => { server = await startServer(); });
after(async () => server?.stop());

describe('accounts', () => {
  test('register, login, and the errors of each', async () => {
    const id = uniqueId('acc');
    const reg = await register(server.url, id, 'password-123');
    assert.equal(reg.user_id, id);
    assert.ok(reg.token);
    await assert.rejects(register(server.url, id, 'password-123'), (e) => e.code === 409);
    await assert.rejects(register(server.url, 'bad id!', 'password-123'), (e) => e.code === 400);
    const again = await login(server.url, id, 'password-123');
    assert.equal(again.user_id, id);
    await assert.rejects(login(server.url, id, 'wrong-password'), (e) => e.code === 401);
  });

  test('a forged token is refused at connect with 401', async () => {
    const client = new ParleyClient({ url: server.url, token: 'not.a.jwt' });
    await assert.rejects(client.connect(), (e) => e instanceof ParleyError && e.code === 401);
    assert.equal(client.state, 'idle');
    await client.close();
  });

  test('password login over the socket yields a token', async () => {
    const user = await newUser(server.url, 'pw');
    const client = new ParleyClient({ url: server.url, userId: user.userId,
                                      password: 'password-123' });
    const reply = await client.connect();
    assert.equal(reply.user_id, user.userId);
    assert.ok(client.token);
    await client.close();
  });

  test('a refused send gets its error, not a retry: 400 without a recipient, 413 too big',
       async () => {
         const user = await newUser(server.url, 'big');
         const other = await newUser(server.url, 'oth');
         const d = await device(server.url, user);
         await assert.rejects(d.client.send({ content: 'nowhere' }), (e) => e.code === 400);
         await assert.rejects(d.client.send({ to: other.userId, content: 'x'.repeat(5000) }),
                              (e) => e.code === 413);
         await d.client.close();
       });
});

describe('replies, receipts and typing', () => {
  test('a reply carries reply_to; read and delivered receipts reach the sender', async () => {
    const alice = await newUser(server.url, 'alice');
    const bob = await newUser(server.url, 'bob');
    const a = await device(server.url, alice);
    const b = await device(server.url, bob, { ackDeliveredDelayMs: 10 });
    const first = await a.client.send({ to: bob.userId, content: 'question?' });
    const conv = first.conversation_id;
    const delivered = await nextEvent(a.client, 'receipt', (r) => r.kind === 'delivered');
    assert.deepEqual(delivered, { kind: 'delivered', conversation_id: conv,
                                  user_id: bob.userId, seq: 1 });

    const replied = nextEvent(a.client, 'message');
    await b.client.reply(conv, first.seq, 'answer!');
    const reply = await replied;
    assert.equal(reply.reply_to, first.seq);
    assert.equal(reply.content, 'answer!');

    const read = nextEvent(a.client, 'receipt', (r) => r.kind === 'read');
    await b.client.markRead(conv, 2);
    assert.equal((await read).seq, 2);
    const receipts = await a.client.receipts(conv);
    const bobs = receipts.find((r) => r.user_id === bob.userId);
    assert.equal(bobs.read_seq, 2);
    assert.ok(bobs.delivered_seq >= 2);
    // A reply to a seq that does not exist is refused.
    await assert.rejects(b.client.reply(conv, 99, 'to nothing'), (e) => e.code === 400);
    await a.client.close();
    await b.client.close();
  });

  test('another device of the user learns of a read ACK', async () => {
    const carol = await newUser(server.url, 'carol');
    const dave = await newUser(server.url, 'dave');
    const d = await device(server.url, dave);
    const phone = await device(server.url, carol);
    const laptop = await device(server.url, carol);
    const sent = await d.client.send({ to: carol.userId, content: 'hi' });
    await phone.client.sync();
    const ack = nextEvent(laptop.client, 'ack');
    await phone.client.markRead(sent.conversation_id, sent.seq);
    assert.deepEqual(await ack, { conversation_id: sent.conversation_id, last_ack_seq: 1 });
    await Promise.all([d, phone, laptop].map((x) => x.client.close()));
  });

  test('typing reaches the other member, not the typist; an outsider gets 403', async () => {
    const alice = await newUser(server.url, 'alice');
    const bob = await newUser(server.url, 'bob');
    const eve = await newUser(server.url, 'eve');
    const a = await device(server.url, alice);
    const b = await device(server.url, bob);
    const e = await device(server.url, eve);
    let aliceSawOwn = false;
    a.client.on('typing', () => { aliceSawOwn = true; });
    const typing = nextEvent(b.client, 'typing');
    assert.equal(a.client.typing({ to: bob.userId }, true), true);
    const event = await typing;
    assert.equal(event.user_id, alice.userId);
    assert.equal(event.typing, true);
    const conv = event.conversation_id;
    await assert.rejects(e.client.typing(conv, true, { answer: true }), (err) => err.code === 403);
    const answered = await a.client.typing(conv, false, { answer: true });
    assert.equal(answered.conversation_id, conv);
    assert.equal(aliceSawOwn, false);
    await Promise.all([a, b, e].map((x) => x.client.close()));
  });
});

describe('groups and roles', () => {
  test('create, invite, promote, mute, settings, transfer: events and refusals', async () => {
    const owner = await newUser(server.url, 'own');
    const m1 = await newUser(server.url, 'mem');
    const m2 = await newUser(server.url, 'mem');
    const outsider = await newUser(server.url, 'out');
    const o = await device(server.url, owner);
    const a = await device(server.url, m1);
    const b = await device(server.url, m2);
    const x = await device(server.url, outsider);
    const groupEvents = [];
    a.client.on('group', (g) => groupEvents.push(g));

    const created = await o.client.createGroup('team', [m1.userId]);
    const gid = created.group_id;
    const conv = created.conversation_id;
    assert.equal(created.conversation_id, `group_${gid}`);
    await o.client.inviteMembers(gid, [m2.userId]);
    await o.client.promoteMembers(gid, [m1.userId]);
    // An admin mutes a plain member; the muted member's send is refused.
    await a.client.muteMembers(gid, [m2.userId]);
    await assert.rejects(b.client.send({ conversation_id: conv, content: 'hey' }),
                         (e) => e.code === 403);
    // Only the owner changes settings; an admin is refused.
    await assert.rejects(a.client.groupSettings(gid, { only_admins_send: true }),
                         (e) => e.code === 403);
    await o.client.groupSettings(gid, { only_admins_send: true });
    await a.client.unmuteMembers(gid, [m2.userId]);
    await assert.rejects(b.client.send({ conversation_id: conv, content: 'hey' }),
                         (e) => e.code === 403);
    await o.client.transferGroup(gid, m1.userId);
    const members = await a.client.groupMembers(gid);
    assert.equal(members.owner_id, m1.userId);
    assert.ok(members.admins.includes(owner.userId));
    // Outsiders are refused what members may do.
    await assert.rejects(x.client.groupMembers(gid), (e) => e.code === 403);
    await assert.rejects(x.client.joinGroup(gid), (e) => e.code === 403);
    assert.deepEqual((await x.client.myGroups()).map((g) => g.group_id), []);

    await a.client.sync();
    await waitFor(() => groupEvents.length >= 7, 5000, 'group events');
    assert.deepEqual(groupEvents.map((g) => g.event),
                     ['create', 'invite', 'promote', 'mute', 'settings', 'unmute', 'transfer']);
    assert.deepEqual(groupEvents[2].users, [m1.userId]);
    assert.equal(groupEvents[6].group_id, gid);
    await Promise.all([o, a, b, x].map((d) => d.client.close()));
  });
});

describe('connection', () => {
  test('reconnects after the server drops it and re-sends what was in flight', async () => {
    const alice = await newUser(server.url, 'alice');
    const bob = await newUser(server.url, 'bob');
    const a = await device(server.url, alice, { backoffInitialMs: 10, backoffMaxMs: 50 });
    const b = await device(server.url, bob);
    const states = [];
    a.client.on('state', (s) => states.push(s));
    a.client._dropConnection();
    // Sent while offline: waits for the next connection.
    const ack = await a.client.send({ to: bob.userId, content: 'after the drop' });
    assert.equal(ack.seq, 1);
    await waitFor(() => states.at(-1) === 'online', 5000, 'back online');
    assert.deepEqual(states, ['reconnecting', 'online']);
    const got = await b.client.pull(ack.conversation_id, 0, 10);
    assert.equal(got.payload.length, 1);
    await a.client.close();
    assert.equal(a.client.state, 'closed');
    await assert.rejects(a.client.send({ to: bob.userId, content: 'closed' }),
                         (e) => e.code === 503);
    await b.client.close();
  });

  test('heartbeats keep a quiet connection open', async () => {
    const user = await newUser(server.url, 'hb');
    const d = await device(server.url, user, { heartbeatMs: 100 });
    const states = [];
    d.client.on('state', (s) => states.push(s));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(d.client.state, 'online');
    assert.deepEqual(states, []);
    await d.client.close();
  });
});

describe('rate limits', () => {
  let limited;
  before(async () => { limited = await startServer(['--chat-rate', '10', '--chat-burst', '1']); });
  after(async () => limited?.stop());

  test('a 429 is waited out (retry_after_ms) and the send retried, stored once', async () => {
    const alice = await newUser(limited.url, 'alice');
    const bob = await newUser(limited.url, 'bob');
    const a = await device(limited.url, alice);
    const refusals = [];
    const original = a.client.request.bind(a.client);
    a.client.request = (body) => original(body).catch((err) => {
      if (err.code === 429) refusals.push(err.retryAfterMs);
      throw err;
    });
    const started = Date.now();
    const acks = await Promise.all([0, 1, 2, 3, 4].map((i) =>
      a.client.send({ to: bob.userId, content: `m${i}` })));
    // Burst 1, then 10 per second: the last of five is admitted after ~400 ms.
    assert.ok(Date.now() - started >= 300, `took ${Date.now() - started} ms`);
    assert.ok(refusals.length > 0 && refusals.every((ms) => ms > 0), refusals.join(','));
    assert.deepEqual(acks.map((k) => k.seq).sort((x, y) => x - y), [1, 2, 3, 4, 5]);
    const page = await a.client.pull(acks[0].conversation_id, 0, 50);
    assert.deepEqual(page.payload.map((m) => m.content).sort(), ['m0', 'm1', 'm2', 'm3', 'm4']);
    await a.client.close();
  });
});
