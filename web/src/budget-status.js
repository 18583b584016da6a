// This month's budget of the person signed in (GET /api/budgets/me), for the banner every screen shows at 80 % and
// when it is spent, and for Admin → Budgets (which asks again after a change). A `budget.warning` WebSocket event
// is kept until the next answer, so the banner shows at once.
import { api } from './api.js';
import { createStore } from './store.js';

/**
 * status: null until loaded (or when it could not be), else {month, spentUsd, spentTokens, organization: {limitUsd,
 * limitTokens, spentUsd, spentTokens}, user: {limitUsd, limitTokens, exempt}, percent, state, resetsAt};
 * live: the last `budget.warning` event ({scope, percent, limit, month}) not yet followed by an answer;
 * hidden: the `state:month` whose warning the person hid.
 */
const store = createStore({ status: null, live: null, hidden: null });
let serial = 0;

const publish = store.publish;

export function getBudgetStatus() {
  return store.get();
}

/** Asks the server again; an answer that arrives after a newer request (or a sign-out) is dropped. */
export async function refreshBudgetStatus() {
  const mine = ++serial;
  try {
    const status = await api.get('/api/budgets/me');
    if (mine === serial) publish({ status, live: null });
  } catch {
    // The banner is a courtesy: without an answer it stays as it was.
  }
}

/** A `budget.warning` event: shown at once (and again if hidden), then confirmed by asking the server. */
export function noteBudgetWarning(event) {
  publish({ live: event, hidden: null });
  refreshBudgetStatus();
}

export function hideBudgetWarning(key) {
  publish({ hidden: key });
}

/** Forgets everything (signed out: the next person has their own budget). */
export function clearBudgetStatus() {
  serial += 1;
  publish({ status: null, live: null, hidden: null });
}

/** The state; re-renders on every change. */
export function useBudgetStatus() {
  return store.use();
}
