// The cut-off scenario shared by the embedded (delivery.test.js) and cluster
// (cluster.test.js) suites.

import assert from 'node:assert/strict';

import { startProxy } from './proxy.js';
import { device, newUser, seqs, waitFor } from './util.js';

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Every seq of the conversation from 1 to its max, each once, in order.
function assertComplete(list, maxSeq, what) {
  assert.deepEqual(seqs(list), range(1, maxSeq), `${what}: not exactly 1..${maxSeq}`);
}

// Bob has two devices: one online throughout, one behind a proxy that is cut
// (and kept down) twice while six senders send 100 messages into each of 10
// conversations: 6 1:1 (through the inbox) and 4 groups of 3, above the
// server's --fanout-threshold 2 (read diffusion: the SYNC listing + PULL).
// urls: {register, online, cutOffPort, senders: [url…]}.
export async function cutOffScenario(urls) {
  const bob = await newUser(urls.register, 'bob');
  const senders = await Promise.all(range(1, 6).map(() => newUser(urls.register, 'snd')));
  const sending = await Promise.all(
    senders.map((s, i) => device(urls.senders[i % urls.senders.length], s)));
  // 6 conversations 1:1 and 4 groups (each: bob + two senders).
  const conversations = senders.map((s, i) => ({ from: sending[i].client, to: bob.userId }));
  for (let g = 0; g < 4; g += 1) {
    const owner = sending[g].client;
    const other = senders[g + 1].userId;
    const created = await owner.createGroup(`g${g}`, [bob.userId, other]);
    conversations.push({ from: owner, conversation_id: created.conversation_id,
                         also: sending[g + 1].client });
  }

  const online = await device(urls.online, bob);
  const proxy = await startProxy(urls.cutOffPort);
  const cutOff = await device(proxy.url, bob, { backoffInitialMs: 20, backoffMaxMs: 200 });
  const states = [];
  cutOff.client.on('state', (s) => states.push(s));

  // 100 messages per conversation, 1,000 in all, ten at a time per
  // conversation; in groups the two senders alternate.
  let acked = 0;
  const milestones = new Map();
  const at = (n) => new Promise((r) => milestones.set(n, r));
  const cut1 = at(250);
  const heal1 = at(500);
  const cut2 = at(700);
  const heal2 = at(850);
  const sendAll = Promise.all(conversations.map(async (c, ci) => {
    for (let batch = 0; batch < 10; batch += 1) {
      await Promise.all(range(0, 9).map(async (k) => {
        const n = batch * 10 + k;
        const from = c.also && n % 2 === 1 ? c.also : c.from;
        const target = c.conversation_id ? { conversation_id: c.conversation_id }
                                         : { to: c.to };
        await from.send({ ...target, content: `c${ci} m${n}` });
        acked += 1;
        milestones.get(acked)?.();
      }));
    }
  }));
  await cut1;
  proxy.block();
  proxy.cut();
  await heal1;
  proxy.unblock();
  await cut2;
  proxy.cut();
  await heal2;
  await sendAll;
  assert.equal(acked, 1000);

  await online.client.sync();
  await waitFor(() => cutOff.client.state === 'online', 10000, 'the cut-off device back online');
  await cutOff.client.sync();

  const listing = await online.client.conversations();
  assert.equal(listing.length, 10);
  let total = 0;
  for (const c of listing) {
    const expected = c.conversation_id.startsWith('group_') ? 101 : 100;  // + "create"
    assert.equal(c.max_seq, expected, c.conversation_id);
    assertComplete(online.byConversation.get(c.conversation_id), c.max_seq, 'online device');
    assertComplete(cutOff.byConversation.get(c.conversation_id), c.max_seq, 'cut-off device');
    assert.deepEqual(cutOff.byConversation.get(c.conversation_id).map((m) => m.msg_id),
                     online.byConversation.get(c.conversation_id).map((m) => m.msg_id));
    total += c.max_seq;
  }
  assert.equal(total, 1004);
  assert.ok(states.includes('reconnecting') && states.at(-1) === 'online', states.join(','));

  await proxy.close();
  await Promise.all([online, cutOff, ...sending].map((d) => d.client.close()));
}
