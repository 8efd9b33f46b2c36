// Small helpers for the SDK tests.

import { ParleyClient, register } from '../../src/index.js';

let counter = 0;

// A fresh user id per call, unique across the test process.
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}${process.pid}_${counter}`;
}

export async function newUser(url, prefix = 'u') {
  const userId = uniqueId(prefix);
  const { token } = await register(url, userId, 'password-123');
  return { userId, token };
}

// A connected client that records every delivered message by conversation.
export async function device(url, user, { beforeConnect, ...options } = {}) {
  const client = new ParleyClient({ url, token: user.token, heartbeatMs: 5000, ...options });
  beforeConnect?.(client);
  const byConversation = new Map();
  client.on('message', (m) => {
    if (!byConversation.has(m.conversation_id)) byConversation.set(m.conversation_id, []);
    byConversation.get(m.conversation_id).push(m);
  });
  await client.connect();
  return { client, byConversation };
}

export function seqs(list) {
  return (list ?? []).map((m) => m.seq);
}

export async function waitFor(predicate, timeoutMs = 10000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function nextEvent(client, event, filter = () => true, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (e) => {
      if (!filter(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
