// Client message ids: unique per sender, 1–128 printable ASCII characters
// (docs/protocol.md "Message object"). A retry reuses the id, so the server
// stores the message once.

export function newMsgId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
