// Compiled (never run) by types.test.js: the API as an app writes it must
// type-check against src/index.d.ts, and misuse must not.
import {
  ParleyClient, MemoryStore, Timeline, applyEvent, register, type Message, type SendAck,
} from '../../src/index.js';

async function app(): Promise<void> {
  const { token } = await register('http://127.0.0.1:8080', 'alice', 'pw');
  const store = new MemoryStore();
  const client = new ParleyClient({ url: 'http://127.0.0.1:8080', token, store });
  const timeline = new Timeline();
  const off = client.on('message', (m: Message) => { timeline.add(m); });
  client.on('receipt', (r) => { const k: 'read' | 'delivered' = r.kind; void k; });
  client.on('typing', (t) => { const typing: boolean = t.typing; void typing; });
  client.on('group', (g) => { const who: string[] = g.users; void who; });
  await client.connect();
  const ack: SendAck = await client.send({ to: 'bob', content: 'hi' });
  await client.reply(ack.conversation_id, ack.seq, 'again');
  await client.react(ack.conversation_id, ack.seq, '👍', { remove: true });
  const written: boolean = client.typing({ to: 'bob' }, true);
  const checked = await client.typing(ack.conversation_id, false, { answer: true });
  const id: string = checked.conversation_id;
  const group = await client.createGroup('team', ['bob'], { join_policy: 'open' });
  await client.muteMembers(group.group_id, ['bob'], Date.now() + 60000);
  const members = await client.groupMembers(group.group_id);
  const owner: string = members.owner_id;
  const page = await client.pull(ack.conversation_id, 0, 50);
  const more: boolean = page.has_more;
  const m = timeline.get(ack.conversation_id, 1);
  if (m) applyEvent(m, m);
  await client.sendMedia('group_x', new Uint8Array(4), {
    name: 'a.bin', onProgress: (sent, total) => { void (sent / total); },
  });
  void [written, id, owner, more];
  off();
  await client.close();
}
void app;
