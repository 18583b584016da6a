// The one REST client every screen uses: JSON in and out, the bearer token attached,
// and error bodies ({"error": {"code", "message", "requestId"}}) turned into ApiError.
import { getToken } from './token.js';

/** 401 codes meaning the session itself is over (as opposed to, say, a wrong password in a form). */
export const SESSION_ENDED_CODES = new Set(['token_expired', 'token_revoked', 'invalid_token', 'unauthenticated']);
const sessionEndedListeners = new Set();

/** Calls `listener(error)` when the server refuses a request because there is no valid session (any more). */
export function onSessionEnded(listener) {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

export class ApiError extends Error {
  constructor(message, { status = 0, code = 'unknown_error', requestId = null, detail = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.detail = detail; // the whole error object, for answers that carry more (a 409's `current`)
  }
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: the caller decides whether that is an error
  }
}

function errorFrom(response, body) {
  const error = body && typeof body === 'object' ? body.error : null;
  if (error && typeof error.message === 'string') {
    return new ApiError(error.message, {
      status: response.status,
      code: error.code || `http_${response.status}`,
      requestId: error.requestId ?? response.headers.get('X-Request-Id'),
      detail: error,
    });
  }
  const status = [response.status, response.statusText].filter(Boolean).join(' ');
  return new ApiError(`The server answered ${status}.`, {
    status: response.status,
    code: `http_${response.status}`,
    requestId: response.headers.get('X-Request-Id'),
  });
}

/** The ApiError of a refused request; a session that has ended is announced to the listeners first. */
function failure(response, body) {
  const error = errorFrom(response, body);
  if (response.status === 401 && SESSION_ENDED_CODES.has(error.code)) {
    for (const listener of sessionEndedListeners) listener(error);
  }
  return error;
}

function authorised(headers) {
  const token = getToken();
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}

async function send(path, init) {
  try {
    return await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError('Could not reach Sasha Studio. Check your connection and try again.', { code: 'network_error' });
  }
}

/** GETs a file (a CSV export, say) as `{ blob, filename }`, with the token and the errors of `request`. */
export async function download(path, { signal } = {}) {
  const response = await send(path, { signal, headers: authorised({}) });
  if (!response.ok) throw failure(response, await readBody(response));
  const disposition = response.headers.get('Content-Disposition') || '';
  const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
  return { blob: await response.blob(), filename };
}

/** Sends a request and resolves with the parsed JSON body (null when empty); rejects with ApiError. */
export async function request(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const init = { method, signal, headers: { Accept: 'application/json', ...headers } };
  if (body instanceof FormData || body instanceof Blob) {
    init.body = body; // the browser sets the multipart boundary, or the Blob's own type
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  init.headers = authorised(init.headers);
  const response = await send(path, init);
  const data = await readBody(response);
  if (!response.ok) throw failure(response, data);
  if (data === undefined) {
    throw new ApiError('The server sent a reply that is not JSON.', { status: response.status, code: 'bad_response' });
  }
  return data;
}

export const api = {
  get: (path, options) => request(path, { ...options, method: 'GET' }),
  post: (path, body, options) => request(path, { ...options, method: 'POST', body }),
  put: (path, body, options) => request(path, { ...options, method: 'PUT', body }),
  patch: (path, body, options) => request(path, { ...options, method: 'PATCH', body }),
  delete: (path, options) => request(path, { ...options, method: 'DELETE' }),
  download,
};
