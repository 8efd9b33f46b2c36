// The browser app end to end, in Debian's chromium: alice (a desktop
// window) and bob (a phone-sized one) sign up and chat both ways; bob's
// network is cut while alice sends 30 messages, an edit and a recall, and
// bob's app shows exactly them when it comes back; alice's ticks turn read
// as bob scrolls; typing shows; an image upload shows a thumbnail at bob; a
// group of three works; and a cut-off bob converges after 1,000 missed
// messages (the time is measured and written to the artifacts). Every step
// leaves screenshots in the artifacts directory; any console error fails.
//
// Bob's page goes through a TCP proxy, as his network: the test cuts it and
// refuses new connections (setOffline alone leaves an open WebSocket up).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ParleyClient, register } from '../../sdk/src/index.js';
import { startServer } from '../../sdk/test/support/server.js';
import { startProxy } from '../../sdk/test/support/proxy.js';
import { DESKTOP, PHONE, Person, artifacts, launch } from './browser.js';
import { pngOf } from './png.js';

const DM = 'private_alice:bob';
const MISSED = 30;
const BULK = 1000;

let server;
let proxy;
let browser;
let alice;
let bob;
let carol;
const features = { events: false, media: false };

async function probeFeatures(url) {
  const probe = await register(url, 'probe', 'probe-password');
  const client = new ParleyClient({ url, token: probe.token });
  await client.connect();
  try {
    const sent = await client.send({ to: 'probe', content: 'probe' });
    await client.edit(sent.conversation_id, sent.seq, 'probe, edited');
    features.events = true;
  } catch (err) {
    if (err.code !== 400) throw err;
  } finally {
    await client.close();
  }
  const answer = await fetch(`${url}/api/media?name=probe.txt`, {
    method: 'POST', headers: { Authorization: `Bearer ${probe.token}` }, body: 'probe' });
  features.media = answer.ok;
}

function noErrors(...people) {
  for (const p of people) assert.deepEqual(p.errors, [], `${p.name}'s console`);
}

const waitFor = (person, fn, arg, timeout = 15000) =>
  person.page.waitForFunction(fn, arg, { timeout, polling: 50 });

// The tick on alice's own message whose text is `text`.
function tickOf(person, text) {
  return person.page.$$eval('#message-list .msg.own[data-seq]', (nodes, t) => {
    const node = nodes.find((n) => n.querySelector('.text')?.textContent === t);
    return node?.querySelector('.tick')?.dataset.status ?? null;
  }, text);
}

async function cutBob() {
  bob.offline = true;
  await bob.context.setOffline(true);
  proxy.block();
  // How many connections the cut reset, and how many came through since:
  // what to look at should bob ever stay online (seen once, in one CI run
  // of many, not reproduced).
  const cut = proxy.connections();
  proxy.cut();
  try {
    await bob.page.waitForSelector('#conn:not([hidden]):has-text("Reconnecting")');
  } catch (err) {
    const seen = await bob.page.evaluate(() => ({
      state: window.parley.client.state, banner: document.getElementById('conn').outerHTML }));
    seen.connections_cut = cut;
    seen.connections_since = proxy.connections();
    throw new Error(`bob shows no "Reconnecting": ${JSON.stringify(seen)}`, { cause: err });
  }
}

async function restoreBob() {
  const started = performance.now();
  await bob.context.setOffline(false);
  proxy.unblock();
  return started;
}

describe('the Parley browser app', () => {
  before(async () => {
    server = await startServer();
    proxy = await startProxy(server.port);
    await probeFeatures(server.url);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.stop();
  });

  test('parleyd serves the app at / with no flag', async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    assert.match(page, /<title>Parley<\/title>/);
    const script = await fetch(`${server.url}/js/main.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const sdk = await fetch(`${server.url}/sdk/index.js`);
    assert.equal(sdk.status, 200);
  });

  test('alice and bob sign up and chat both ways', async () => {
    alice = await Person.open(browser, 'alice', server.url, { viewport: DESKTOP });
    await alice.shot('01-sign-in');
    await alice.signUp();
    bob = await Person.open(browser, 'bob', proxy.url, { viewport: PHONE });
    await bob.signUp();

    // A wrong password is told plainly. (Chromium logs the 401 answer of
    // POST /api/login as a console error of its own: that one line is the
    // only one accepted.)
    const stranger = await Person.open(browser, 'mallory', server.url);
    await stranger.page.fill('#auth-user', 'alice');
    await stranger.page.fill('#auth-password', 'not-her-password');
    await stranger.page.click('#sign-in');
    await stranger.page.waitForSelector('#auth-error:has-text("Wrong name or password")');
    assert.deepEqual(stranger.errors, ['console: Failed to load resource: the server responded ' +
                                       'with a status of 401 (Unauthorized)']);
    await stranger.close();

    await alice.page.click('#new-chat');
    await alice.page.fill('#new-chat-user', 'bob');
    await alice.page.click('#dialog-ok');
    await alice.send('Hi Bob! 👋');
    await bob.conversation(DM).waitFor();
    await bob.page.waitForSelector(`.conversation[data-id="${DM}"] .badge:has-text("1")`);
    await bob.shot('02-list-unread');
    await bob.open(DM);
    await bob.send('Hi Alice, how are you?');
    await waitFor(alice, () => document.querySelectorAll('#message-list .msg.theirs').length === 1);
    assert.deepEqual(await alice.texts(), ['Hi Bob! 👋', 'Hi Alice, how are you?']);
    assert.deepEqual(await bob.texts(), ['Hi Bob! 👋', 'Hi Alice, how are you?']);
    // Bob read it on screen: alice's tick turns read.
    await waitFor(alice, () => document.querySelector('#message-list .msg.own .tick')
      ?.dataset.status === 'read');
    await alice.shot('02-chat');
    await bob.shot('02-chat');
    noErrors(alice, bob);
  });

  test('typing shows, and a reply quotes its message', async () => {
    // Typed key by key for a few seconds, as a person would (the server
    // forwards a typing:true at most every 2 s; the app repeats it).
    const typing = alice.page.type('#text', 'Fine, thanks. And you?', { delay: 120 });
    await bob.page.waitForSelector('#chat-sub:has-text("alice is typing")');
    await bob.page.waitForSelector(`.conversation[data-id="${DM}"] .typing`, { state: 'attached' });
    await typing;
    await bob.shot('03-typing');
    await alice.page.fill('#text', '');

    await bob.page.click('#message-list .msg.theirs .bubble');
    await bob.page.waitForSelector('#message-list .msg.selected .actions');
    await bob.shot('03-actions');
    await bob.page.click('#message-list .msg.selected .act.reply');
    await bob.shot('03-replying');
    await bob.send('That was quick');
    await waitFor(alice, () => [...document.querySelectorAll('#message-list .msg.theirs')]
      .some((n) => n.querySelector('.quote')?.textContent.includes('Hi Bob')));
    await alice.shot('03-reply');
    noErrors(alice, bob);
  });

  test('reactions show at the other side', { skip: false }, async (t) => {
    if (!features.events) {
      t.skip('this parleyd refuses msg_type 103 (edits, recalls, reactions not on this branch)');
      return;
    }
    await bob.page.click('#message-list .msg.theirs .bubble >> nth=0');
    await bob.page.click('#message-list .msg.selected .act.react >> nth=1');
    await alice.page.waitForSelector('#message-list .msg.own .reaction:has-text("❤️ 1")');
    await alice.shot('04-reaction');
    noErrors(alice, bob);
  });

  test(`bob offline; ${MISSED} messages, an edit and a recall; bob comes back with exactly them`,
       async (t) => {
    const before = await bob.texts();
    await bob.page.click('#back');  // bob looks at the list while away
    await cutBob();
    await bob.shot('05-reconnecting');

    const sent = [];
    for (let i = 1; i <= MISSED; i += 1) {
      sent.push(`message ${i} of ${MISSED}`);
      await alice.send(sent.at(-1));
    }
    await alice.page.waitForSelector(`#message-list .msg.own[data-seq] .text:text-is("${sent.at(-1)}")`);
    assert.equal(await alice.page.locator('#message-list [data-pending]').count(), 0);
    assert.equal(await tickOf(alice, sent.at(-1)), 'sent', 'not delivered while bob is away');
    const expected = [...before, ...sent];
    if (features.events) {
      const edit = async (text, to) => {
        await alice.page.click(`#message-list .msg.own .text:text-is("${text}")`);
        await alice.page.click('#message-list .msg.selected .act.edit');
        await alice.page.fill('#text', to);
        await alice.page.press('#text', 'Enter');
        await alice.page.waitForSelector(`#message-list .msg.own .text:text-is("${to}")`);
      };
      await edit(sent[4], 'message 5, edited');
      await alice.page.click(`#message-list .msg.own .text:text-is("${sent[6]}")`);
      await alice.page.click('#message-list .msg.selected .act.recall');
      await alice.page.waitForSelector('#message-list .text.recalled');
      expected[before.length + 4] = 'message 5, edited';
      expected[before.length + 6] = 'This message was recalled';
    } else {
      t.diagnostic('edit and recall skipped: this parleyd refuses msg_type 101/102');
    }
    await alice.shot('05-sent-while-bob-away');

    const started = await restoreBob();
    await bob.page.waitForSelector(`.conversation[data-id="${DM}"] .badge:has-text("${MISSED}")`);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`bob back: ${MISSED} missed messages in his list after ${seconds.toFixed(2)} s`);
    await bob.page.waitForSelector('#conn', { state: 'hidden' });
    bob.offline = false;
    await bob.shot('06-back-unread');
    // Alice sees them delivered.
    await waitFor(alice, (text) => [...document.querySelectorAll('#message-list .msg.own[data-seq]')]
      .find((n) => n.querySelector('.text')?.textContent === text)
      ?.querySelector('.tick')?.dataset.status === 'delivered', sent.at(-1));

    await bob.open(DM);
    assert.deepEqual(await bob.texts(), expected);
    await bob.shot('07-first-unread');
    noErrors(alice, bob);
  });

  test('read ticks turn at alice as bob scrolls', async () => {
    // Bob's phone opened at the first unread message: the first ones are
    // read, the last one is not yet.
    const last = `message ${MISSED} of ${MISSED}`;
    await waitFor(alice, () => [...document.querySelectorAll('#message-list .msg.own[data-seq]')]
      .find((n) => n.querySelector('.text')?.textContent === 'message 1 of 30')
      ?.querySelector('.tick')?.dataset.status === 'read');
    assert.equal(await tickOf(alice, last), 'delivered');
    await alice.shot('07-read-partly');
    await bob.page.evaluate(() => {
      const s = document.getElementById('messages');
      s.scrollTop = s.scrollHeight;
    });
    await waitFor(alice, (text) => [...document.querySelectorAll('#message-list .msg.own[data-seq]')]
      .find((n) => n.querySelector('.text')?.textContent === text)
      ?.querySelector('.tick')?.dataset.status === 'read', last);
    await bob.page.waitForSelector(`.conversation[data-id="${DM}"] .badge`, { state: 'detached' });
    await alice.shot('08-read-all');
    await bob.shot('08-read-all');
    noErrors(alice, bob);
  });

  test('an image upload shows a thumbnail at bob', async (t) => {
    if (!features.media) {
      t.skip('this parleyd has no POST /api/media (the media branch is not merged here)');
      return;
    }
    await alice.page.setInputFiles('#file-input', {
      name: 'gradient.png', mimeType: 'image/png', buffer: pngOf(320, 200),
    });
    await bob.page.waitForSelector('#message-list .msg.theirs img.thumb');
    await waitFor(bob, () => [...document.querySelectorAll('#message-list img.thumb')]
      .every((img) => img.complete && img.naturalWidth > 0));
    await waitFor(alice, () => !document.querySelector('#message-list [data-pending]'));
    await alice.shot('09-image');
    await bob.shot('09-image');
    noErrors(alice, bob);
  });

  test('a group of three', async () => {
    carol = await Person.open(browser, 'carol', server.url, { viewport: DESKTOP });
    await carol.signUp();
    await alice.page.click('#new-group');
    await alice.page.fill('#group-name', 'Weekend plans');
    await alice.page.fill('#group-members', 'bob, carol');
    await alice.page.click('#dialog-ok');
    await alice.page.waitForSelector('#chat-title:has-text("Weekend plans")');
    await alice.send('Hiking on Saturday?');

    const group = await alice.page.evaluate(() => window.parley.openId);
    await bob.page.click('#back');
    for (const p of [bob, carol]) {
      await p.page.waitForSelector(`.conversation[data-id="${group}"]:has-text("Weekend plans")`);
      await p.open(group);
    }
    await bob.send('Count me in');
    await waitFor(carol, () => document.querySelectorAll('#message-list .msg[data-seq]').length >= 2);
    await carol.send('Me too! 🥾');
    const all = ['Hiking on Saturday?', 'Count me in', 'Me too! 🥾'];
    for (const p of [alice, bob, carol]) {
      await waitFor(p, (n) => document.querySelectorAll('#message-list .msg[data-seq] .text').length
        >= n, all.length);
      assert.deepEqual(await p.texts(), all, `${p.name} sees the group in order`);
    }
    // Management: the members dialog lists three; alice removes carol, who
    // is told.
    await alice.page.click('#group-info');
    await alice.page.waitForSelector('.member[data-user="carol"]');
    assert.equal(await alice.page.locator('.member').count(), 3);
    await alice.shot('10-group-members');
    await alice.page.click('.member[data-user="carol"] button:has-text("Remove")');
    await alice.page.waitForSelector('#dialog-title:has-text("2 members")');
    await alice.page.click('#dialog-cancel');
    await carol.page.waitForSelector('.system:has-text("alice removed you")');
    await carol.page.waitForSelector('#left-notice:has-text("not a member")');
    assert.equal(await carol.page.isVisible('#composer'), false);
    await alice.shot('10-group');
    await bob.shot('10-group');
    await carol.shot('10-group-removed');
    noErrors(alice, bob, carol);
  });

  test(`a cut-off bob converges after ${BULK} missed messages`, async (t) => {
    await cutBob();
    const sender = new ParleyClient({ url: server.url, userId: 'alice',
                                      password: 'alice-password' });
    await sender.connect();
    const sends = [];
    for (let i = 1; i <= BULK; i += 1) sends.push(sender.send({ to: 'bob', content: `bulk ${i}` }));
    const acks = await Promise.all(sends);
    await sender.close();
    const lastSeq = Math.max(...acks.map((a) => a.seq));

    const started = await restoreBob();
    await waitFor(bob, ({ id, seq }) => window.parley.model.get(id).maxSeq >= seq &&
      document.querySelector(`.conversation[data-id="${id}"] .conv-preview`)?.textContent ===
        'bulk 1000', { id: DM, seq: lastSeq }, 60000);
    const seconds = (performance.now() - started) / 1000;
    const sinceOnline = await bob.page.evaluate(() => performance.now() - window.parley.onlineAt);
    await bob.page.waitForSelector('#conn', { state: 'hidden' });
    bob.offline = false;
    // Exactly them: every seq once, the texts in order.
    const texts = await bob.page.evaluate((id) => {
      const conv = window.parley.model.get(id);
      return conv.shown().filter((m) => m.content.startsWith('bulk')).map((m) => m.content);
    }, DM);
    assert.deepEqual(texts, Array.from({ length: BULK }, (_, i) => `bulk ${i + 1}`));
    const line = `bob's browser, cut off while ${BULK} messages were sent to him, showed the ` +
      `last one in his list ${seconds.toFixed(2)} s after his network came back ` +
      `(reconnect backoff included), ${(sinceOnline / 1000).toFixed(2)} s after he was ` +
      'logged in again';
    t.diagnostic(line);
    writeFileSync(join(artifacts, 'convergence.txt'), `${line}\n`);
    await bob.shot('11-after-1000');
    noErrors(alice, bob, carol);
  });
});
