// Whether Claude is configured and how far the company's onboarding got (GET /api/setup/status), for everyone
// signed in: the limited-mode banner, Settings, and the administrator's first sign-in read it.
import { api } from './api.js';
import { createStore } from './store.js';

/**
 * status: null until loaded (or when it could not be), else
 * {configured, provider, isAdmin, onboarding: {profileExists, completed, projectId, researchStatus,
 * companyName}, needsOnboarding}.
 */
const store = createStore({ status: null, error: null });
let serial = 0;
let signedInHere = false;

const publish = store.publish;

export function getSetupStatus() {
  return store.get();
}

/** Asks the server again (resolving with the status, or null when it failed: see `error`); answers that arrive after a newer request (or a sign-out) are dropped. */
export async function refreshSetupStatus() {
  const mine = ++serial;
  try {
    const status = await api.get('/api/setup/status');
    if (mine === serial) publish({ status, error: null });
    return status;
  } catch (error) {
    if (mine === serial) publish({ error: error.message });
    return null;
  }
}

/** Forgets the status (signed out: the next person has their own). */
export function clearSetupStatus() {
  serial += 1;
  signedInHere = false;
  publish({ status: null, error: null });
}

/** `{ status, error }`; re-renders on every change. */
export function useSetupStatus() {
  return store.use();
}

/** The sign-in and first-run forms call this: the next status decides whether onboarding comes first. */
export function noteSignIn() {
  signedInHere = true;
}

/** True once after a sign-in in this page: onboarding is offered at sign-in, not on every reload or navigation. */
export function takeSignIn() {
  const taken = signedInHere;
  signedInHere = false;
  return taken;
}
