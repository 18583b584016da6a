// The session token store: one JWT, kept in localStorage when the browser allows it.
// Accounts arrive later; api.js and realtime.js already read the token from here.

const KEY = 'sasha.token';
const listeners = new Set();
let memory = null; // fallback when storage is unavailable (private mode, disabled cookies)

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function getToken() {
  try {
    return storage()?.getItem(KEY) ?? memory;
  } catch {
    return memory;
  }
}

export function setToken(token) {
  memory = token || null;
  try {
    if (memory) storage()?.setItem(KEY, memory);
    else storage()?.removeItem(KEY);
  } catch {
    // Quota or privacy settings: the in-memory copy still serves this tab.
  }
  for (const listener of listeners) listener(memory);
}

export function clearToken() {
  setToken(null);
}

/** Calls `listener(token)` whenever the token changes; returns the unsubscribe function. */
export function onTokenChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
