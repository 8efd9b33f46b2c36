// The HTTP side of Parley (docs/protocol.md "HTTP"): register, login, media.

import { ParleyError } from './errors.js';
import { httpBase } from './transport.js';

async function postJson(base, path, body) {
  let response;
  try {
    response = await fetch(httpBase(base) + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new ParleyError(503, `cannot reach ${httpBase(base)}: ${err.message}`);
  }
  return answer(response);
}

async function answer(response) {
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the status says it all
  }
  if (!response.ok) {
    const extra = {};
    if (json?.retry_after_ms !== undefined) extra.retryAfterMs = json.retry_after_ms;
    throw new ParleyError(response.status, json?.error ?? (text || response.statusText), extra);
  }
  return json;
}

/** Creates a user; resolves {user_id, token}. 409 when the id is taken. */
export function register(base, userId, password) {
  return postJson(base, '/api/register', { user_id: userId, password });
}

/** Resolves {user_id, token}; 401 for a wrong id or password. */
export function login(base, userId, password) {
  return postJson(base, '/api/login', { user_id: userId, password });
}

/**
 * Uploads a file (server support landing: POST /api/media). `data` is a Blob,
 * ArrayBuffer or Uint8Array; `onProgress(sentBytes, totalBytes)` is called as
 * the body goes out. Resolves {media_id, content_type, size, sha256, width?,
 * height?, thumbnail_id?}.
 */
export async function uploadMedia(base, token, data, { name, contentType, onProgress } = {}) {
  const url = new URL(httpBase(base) + '/api/media');
  if (name) url.searchParams.set('name', name);
  const bytes = await toBytes(data);
  const type = contentType || data?.type || 'application/octet-stream';
  if (typeof XMLHttpRequest === 'function') {
    return xhrUpload(url.toString(), token, bytes, type, onProgress);
  }
  // fetch has no upload progress; a stream body reports each chunk as the
  // connection pulls it, which is progress as far as this side can tell.
  const chunk = 64 * 1024;
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= bytes.length) {
        controller.close();
        return;
      }
      const piece = bytes.subarray(sent, Math.min(sent + chunk, bytes.length));
      controller.enqueue(piece);
      sent += piece.length;
      onProgress?.(sent, bytes.length);
    },
  });
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': type,
                 'Content-Length': String(bytes.length) },
      body,
      duplex: 'half',
    });
  } catch (err) {
    throw new ParleyError(503, `upload failed: ${err.message}`);
  }
  if (bytes.length === 0) onProgress?.(0, 0);
  return answer(response);
}

function xhrUpload(url, token, bytes, type, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', type);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total || bytes.length);
    xhr.onerror = () => reject(new ParleyError(503, 'upload failed'));
    xhr.onload = () => {
      let json = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(json);
      else reject(new ParleyError(xhr.status, json?.error ?? xhr.statusText));
    };
    xhr.send(bytes);
  });
}

async function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data?.arrayBuffer === 'function') return new Uint8Array(await data.arrayBuffer());
  if (typeof data === 'string') return new TextEncoder().encode(data);
  throw new ParleyError(400, 'media data must be a Blob, ArrayBuffer, Uint8Array or string');
}

/** The URL of an upload, usable in <img src> (token in the query). */
export function mediaUrl(base, token, mediaId) {
  const url = new URL(httpBase(base) + '/api/media/' + encodeURIComponent(mediaId));
  url.searchParams.set('token', token);
  return url.toString();
}
