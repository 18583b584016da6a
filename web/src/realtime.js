// The WebSocket to the back end: keep-alive pings with a measured round trip, automatic reconnects,
// and a tiny subscribe API for screens.
//
// States: connecting → connected ⇄ degraded; when the socket closes → reconnecting (offline when the
// browser has no network) → back to connected. "connected" means a pong came back. The pong travels
// browser → API Gateway → SQS → runner → post_to_connection, so it proves the whole loop, not only
// the socket; a socket whose pongs stop arriving is "degraded".

export const PING_INTERVAL_MS = 20_000;
export const PONG_TIMEOUT_MS = 10_000;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30_000;
// After the server said `signed_out` and closed the socket: the tab that changed the password is about to
// receive its new token (the same request's answer); reconnecting sooner would be refused with the old one.
export const SIGNED_OUT_GRACE_MS = 1_500;
const MAX_PENDING_PINGS = 5;

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(attempt, { baseMs = BACKOFF_BASE_MS, maxMs = BACKOFF_MAX_MS, random = Math.random } = {}) {
  return Math.round(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export class Realtime {
  #resolveUrl = null;
  #onRefused = null;
  #ws = null;
  #attempt = 0; // connections that failed since the back end last answered
  #attemptSerial = 0; // identifies the newest connect() while it awaits the URL
  #answeredOnce = false;
  #signedOut = false; // the server ended this socket's session; the next attempt waits for a new token
  #lastPongAt = 0;
  #retryTimer = null;
  #pingTimer = null;
  #pending = new Map(); // ping id → { sentAt, deadline }, oldest first
  #handlers = new Map(); // event type → Set of handlers; '*' receives every event
  #stateListeners = new Set();
  #state = Object.freeze({ status: 'connecting', rttMs: null, retryAt: null });

  /** { status: 'connecting'|'connected'|'degraded'|'reconnecting'|'offline', rttMs, retryAt (epoch ms) } */
  get state() {
    return this.#state;
  }

  /**
   * Opens the connection; `resolveUrl()` (sync or async) gives the URL, with the current token, on every attempt.
   * `onRefused()` runs when a socket closes without ever opening (a refused token looks just like that).
   */
  start(resolveUrl, { onRefused = null } = {}) {
    if (this.#resolveUrl) return;
    this.#resolveUrl = resolveUrl;
    this.#onRefused = onRefused;
    window.addEventListener('online', this.#onOnline);
    window.addEventListener('offline', this.#onOffline);
    document.addEventListener('visibilitychange', this.#onVisibilityChange);
    this.#connect();
  }

  stop() {
    window.removeEventListener('online', this.#onOnline);
    window.removeEventListener('offline', this.#onOffline);
    document.removeEventListener('visibilitychange', this.#onVisibilityChange);
    this.#resolveUrl = null;
    this.#attemptSerial += 1;
    this.#drop();
    clearTimeout(this.#retryTimer);
    // The next start() is a new session (perhaps another user): it begins from "connecting".
    this.#attempt = 0;
    this.#answeredOnce = false;
    this.#setState({ status: 'connecting', rttMs: null, retryAt: null });
  }

  /** Sends `{action, ...fields}`; returns false when the socket is not open. */
  send(action, fields = {}) {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ ...fields, action }));
    return true;
  }

  /** Calls `handler(event)` for server events of `type` ('*' for all); returns the unsubscribe function. */
  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(handler);
    return () => this.#handlers.get(type)?.delete(handler);
  }

  /** Calls `listener(state)` on every state change; returns the unsubscribe function. */
  onState(listener) {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Skips the backoff wait and connects now; on a live socket, checks it with a ping if none is recent. */
  reconnectNow() {
    if (!this.#resolveUrl) return;
    const ws = this.#ws;
    if (ws?.readyState === WebSocket.OPEN) {
      if (performance.now() - this.#lastPongAt > PING_INTERVAL_MS) this.#ping();
    } else if (ws?.readyState !== WebSocket.CONNECTING) {
      this.#connect();
    }
  }

  /** Reconnects with a fresh URL at once (e.g. after the token changed). */
  restart() {
    if (!this.#resolveUrl) return;
    this.#drop();
    this.#attempt = 0;
    this.#signedOut = false;
    this.#connect();
  }

  async #connect() {
    clearTimeout(this.#retryTimer);
    this.#drop();
    const attempt = ++this.#attemptSerial;
    let status = this.#answeredOnce || this.#attempt > 0 ? 'reconnecting' : 'connecting';
    if (navigator.onLine === false) status = 'offline';
    this.#setState({ status, rttMs: null, retryAt: null });
    let ws;
    try {
      const url = await this.#resolveUrl();
      if (attempt !== this.#attemptSerial) return; // superseded by a newer attempt or by stop()
      ws = new WebSocket(url);
    } catch {
      if (attempt === this.#attemptSerial) this.#scheduleRetry(); // no config or a bad URL: retry like a refusal
      return;
    }
    this.#ws = ws;
    // Events of a socket we have already replaced are ignored.
    ws.onopen = () => this.#ws === ws && this.#onOpen();
    ws.onmessage = (message) => this.#ws === ws && this.#onMessage(message.data);
    let opened = false;
    ws.addEventListener('open', () => (opened = true));
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#onClose();
      if (!opened) this.#onRefused?.();
    };
  }

  #onOpen() {
    this.#ping();
    this.#pingTimer = setInterval(() => this.#ping(), PING_INTERVAL_MS);
  }

  #onMessage(data) {
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (!event || typeof event.type !== 'string') return;
    if (event.type === 'pong') this.#onPong(event);
    if (event.type === 'error' && event.code === 'signed_out') this.#signedOut = true;
    this.#emit(event);
  }

  #onClose() {
    this.#drop();
    this.#scheduleRetry();
  }

  #scheduleRetry() {
    const delay = this.#signedOut ? SIGNED_OUT_GRACE_MS : backoffDelay(this.#attempt);
    this.#signedOut = false;
    this.#attempt += 1;
    // Offline still retries on the backoff clock (navigator.onLine can be wrong); `online` cuts the wait.
    const status = navigator.onLine === false ? 'offline' : 'reconnecting';
    this.#setState({ status, rttMs: null, retryAt: Date.now() + delay });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  /** Forgets the current socket (closing it if needed) and its timers. */
  #drop() {
    const ws = this.#ws;
    this.#ws = null;
    clearInterval(this.#pingTimer);
    for (const { deadline } of this.#pending.values()) clearTimeout(deadline);
    this.#pending.clear();
    if (ws && ws.readyState !== WebSocket.CLOSED && ws.readyState !== WebSocket.CLOSING) ws.close(1000);
  }

  #ping() {
    const id = randomId();
    if (!this.send('ping', { id })) return;
    const deadline = setTimeout(() => this.#onPongOverdue(id), PONG_TIMEOUT_MS);
    this.#pending.set(id, { sentAt: performance.now(), deadline });
    for (const [oldId, { deadline: oldDeadline }] of this.#pending) {
      if (this.#pending.size <= MAX_PENDING_PINGS) break;
      clearTimeout(oldDeadline);
      this.#pending.delete(oldId);
    }
  }

  #onPong(event) {
    const ping = this.#pending.get(event.id);
    if (!ping) return;
    const rttMs = Math.round(performance.now() - ping.sentAt);
    // Pongs come back in order, so every older ping is answered (or lost) too.
    for (const [id, { deadline }] of this.#pending) {
      clearTimeout(deadline);
      this.#pending.delete(id);
      if (id === event.id) break;
    }
    this.#attempt = 0; // the back end answered: this connection counts as successful
    this.#answeredOnce = true;
    this.#lastPongAt = performance.now();
    this.#setState({ status: 'connected', rttMs, retryAt: null });
  }

  #onPongOverdue(id) {
    if (!this.#pending.has(id)) return;
    // A late pong still counts, so the ping stays pending; only the state says we are waiting.
    this.#setState({ status: 'degraded', rttMs: this.#state.rttMs, retryAt: null });
  }

  #emit(event) {
    for (const key of [event.type, '*']) {
      for (const handler of this.#handlers.get(key) ?? []) {
        try {
          handler(event);
        } catch (err) {
          reportError(err); // one broken screen must not stop the others from hearing events
        }
      }
    }
  }

  #setState(next) {
    this.#state = Object.freeze(next);
    for (const listener of this.#stateListeners) listener(this.#state);
  }

  #onOnline = () => {
    this.#attempt = 0;
    this.reconnectNow();
  };

  #onOffline = () => {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ping(); // the socket may survive; let a pong decide
    else this.#setState({ ...this.#state, status: 'offline' });
  };

  #onVisibilityChange = () => {
    if (document.visibilityState === 'visible') this.reconnectNow();
  };
}

/** The app's one connection; main.js starts it once /config.json is known. */
export const realtime = new Realtime();
