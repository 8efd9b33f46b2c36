// Finds a WebSocket class: the global one (browsers, Node 22+), else the `ws`
// package (Node 20). Imported lazily so a browser bundle never pulls `ws` in.

let cached = null;

export async function webSocketClass() {
  if (cached) return cached;
  if (typeof globalThis.WebSocket === 'function') {
    cached = globalThis.WebSocket;
  } else {
    const name = 'ws';  // a variable, so bundlers leave the import alone
    const mod = await import(name);
    cached = mod.WebSocket ?? mod.default;
  }
  return cached;
}

// "http://host:port" (or ws://…) -> "ws://host:port/ws".
export function wsUrl(base) {
  const url = new URL(base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
  return url.toString();
}

// "ws://host:port/ws" (or http://…) -> "http://host:port".
export function httpBase(base) {
  const url = new URL(base);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  return url.origin;
}
