// The session token store: one JWT and its expiry, kept in localStorage when the browser allows it.
// The token goes nowhere else: api.js sends it as `Authorization: Bearer`, config.js puts it in the /ws query.

const KEY = 'sasha.token';
const EXPIRY_KEY = 'sasha.tokenExpiresAt';
const listeners = new Set();
let memory = { token: null, expiresAt: null }; // fallback when storage is unavailable (private mode)

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function read() {
  try {
    const store = storage();
    if (!store) return memory;
    const expiresAt = Number(store.getItem(EXPIRY_KEY)) || null;
    return { token: store.getItem(KEY), expiresAt };
  } catch {
    return memory;
  }
}

/** The token, or null when there is none or it has expired (a token without a known expiry is the server's call). */
export function getToken() {
  const { token, expiresAt } = read();
  if (!token) return null;
  return expiresAt && expiresAt <= Date.now() ? null : token;
}

/** When the stored token expires (epoch ms), or null when unknown. */
export function getTokenExpiry() {
  return read().expiresAt;
}

/** Stores `token`, expiring at `expiresAt` (an ISO date, epoch ms, or null when unknown). */
export function setToken(token, expiresAt = null) {
  const expiry = token && expiresAt ? new Date(expiresAt).getTime() || null : null;
  memory = { token: token || null, expiresAt: expiry };
  try {
    const store = storage();
    if (memory.token) {
      store?.setItem(KEY, memory.token);
      if (expiry) store?.setItem(EXPIRY_KEY, String(expiry));
      else store?.removeItem(EXPIRY_KEY);
    } else {
      store?.removeItem(KEY);
      store?.removeItem(EXPIRY_KEY);
    }
  } catch {
    // Quota or privacy settings: the in-memory copy still serves this tab.
  }
  for (const listener of listeners) listener(memory.token, { otherTab: false });
}

export function clearToken() {
  setToken(null);
}

/** Calls `listener(token, { otherTab })` whenever the token changes, here or in another tab; returns the unsubscribe function. */
export function onTokenChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signed in or out: follow it, so two tabs never act as different people.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY && event.key !== null) return;
  const token = getToken();
  for (const listener of listeners) listener(token, { otherTab: true });
});
