// Who is signed in: the first-run check, sign-in and sign-out, and the end of a session (expiry or revocation).
import { useEffect, useState } from 'preact/hooks';
import { api, onSessionEnded } from './api.js';
import { clearToken, getToken, getTokenExpiry, onTokenChange, setToken } from './token.js';

const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit; tokens live hours, not weeks
const EXPIRED = 'Your session has expired. Sign in again to continue.';

/**
 * phase: 'loading' | 'unavailable' (the status check failed) | 'setup' (no account yet) | 'signed-out' | 'signed-in'.
 * auth: /api/auth/status; user: /api/auth/me; signIn: { notice, username } for the sign-in screen.
 */
let state = Object.freeze({ phase: 'loading', auth: null, user: null, signIn: {}, error: null });
const listeners = new Set();
let expiryTimer = null;

function publish(patch) {
  state = Object.freeze({ ...state, ...patch });
  for (const listener of listeners) listener(state);
}

export function getSession() {
  return state;
}

/** Calls `listener(state)` on every change; returns the unsubscribe function. */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The session state; re-renders on every change. */
export function useSession() {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    setCurrent(state);
    return onSessionChange(setCurrent);
  }, []);
  return current;
}

function scheduleExpiry() {
  clearTimeout(expiryTimer);
  const at = getTokenExpiry();
  if (at) expiryTimer = setTimeout(() => signOut({ notice: EXPIRED }), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
}

async function currentUser() {
  try {
    return { user: await api.get('/api/auth/me') };
  } catch (error) {
    if (error.status === 401) return { user: null, notice: error.message };
    throw error;
  }
}

/** Asks the server whether setup is needed and, with a stored token, whose it is. */
export async function loadSession() {
  const token = getToken();
  const expired = !token && Boolean(getTokenExpiry());
  publish({ phase: 'loading', error: null });
  try {
    const [auth, me] = await Promise.all([
      api.get('/api/auth/status'),
      token ? currentUser() : { user: null, notice: expired ? EXPIRED : null },
    ]);
    if (me.user && !auth.needsSetup) {
      publish({ phase: 'signed-in', auth, user: me.user, signIn: {} });
      scheduleExpiry();
      return;
    }
    if (expired || (token && getToken() === token)) clearToken(); // the token that failed, not a newer one
    publish({ phase: auth.needsSetup ? 'setup' : 'signed-out', auth, user: null, signIn: { notice: me.notice } });
  } catch (error) {
    publish({ phase: 'unavailable', error });
  }
}

/** Stores a session from register, login or PATCH /api/auth/me ({token, expiresAt, user}). */
export function startSession({ token, expiresAt, user }) {
  setToken(token, expiresAt); // first: the socket connects with it as soon as the phase says signed in
  publish({ phase: 'signed-in', user, auth: { ...state.auth, needsSetup: false }, signIn: {} });
  scheduleExpiry();
}

/** Someone else created the first account meanwhile: go to the sign-in screen and say so. */
export function setupClosed(notice) {
  publish({ phase: 'signed-out', auth: { ...state.auth, needsSetup: false }, signIn: { notice } });
}

/** Replaces the signed-in account's details (after it changed them, or an admin changed it). */
export function updateUser(user) {
  if (state.phase === 'signed-in') publish({ user });
}

/** Forgets the token; the sign-in screen shows `notice` and offers `username`. */
export function signOut({ notice = null, username = '' } = {}) {
  clearTimeout(expiryTimer);
  const phase = state.auth?.needsSetup ? 'setup' : 'signed-out';
  publish({ phase, user: null, signIn: { notice, username } }); // first: the socket closes before the token goes
  clearToken();
}

// The server says the token is no good any more (expired, revoked by a password change, account disabled).
onSessionEnded((error) => {
  if (state.phase === 'signed-in') signOut({ notice: error.message, username: state.user?.username });
});

onTokenChange((token, { otherTab }) => {
  if (!otherTab) return;
  if (!token && state.phase === 'signed-in') signOut({ notice: 'You signed out in another tab.' });
  else if (token) loadSession(); // signed in there, perhaps as someone else
});
