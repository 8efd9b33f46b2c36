// Errors carry the server's code (docs/protocol.md "Error codes") so an app
// can tell a refusal (403) from a wait (503, 429 with retryAfterMs).

export class ParleyError extends Error {
  /**
   * @param {number} code 400, 401, 403, 404, 409, 413, 429, 500, 503
   * @param {string} message
   * @param {object} [extra] e.g. {retryAfterMs, msgId}
   */
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'ParleyError';
    this.code = code;
    Object.assign(this, extra);
  }
}

export function errorFromPacket(packet) {
  const extra = {};
  if (packet.retry_after_ms !== undefined) extra.retryAfterMs = packet.retry_after_ms;
  if (packet.msg_id !== undefined) extra.msgId = packet.msg_id;
  return new ParleyError(packet.code, packet.error ?? `error ${packet.code}`, extra);
}
