// A TCP proxy on loopback between a client and parleyd that a test can cut
// and block, like a network would: cut() resets every connection through it;
// block() makes it refuse new ones (reset at once) until unblock();
// muteDownstream() keeps forwarding what the client sends but drops what the
// server answers, so a reply is lost while the request got through.

import net from 'node:net';

export async function startProxy(targetPort) {
  const pairs = new Set();
  let blocked = false;
  let muted = false;
  const server = net.createServer((client) => {
    if (blocked) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!muted) client.write(d);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    block() { blocked = true; },
    unblock() { blocked = false; },
    muteDownstream(on = true) { muted = on; },
    connections() { return pairs.size; },
    async close() {
      this.cut();
      await new Promise((r) => server.close(r));
    },
  };
}
