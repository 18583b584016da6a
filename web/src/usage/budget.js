// What the budget banner says, from GET /api/budgets/me (or a `budget.warning` event: {scope, unit, percent, limit,
// spent, month}): which limit is closest to being spent, and by how much. Pure functions. Budgets count input and
// output tokens (docs/budgets.md); `percent` is 0–100+.
import { dateText, money, tokensShort } from './format.js';

/** The limits that apply, each with its share spent (0–1): the person's (unless exempt) and the organization's. */
export function limitsOf(status) {
  const { user = {}, organization = {} } = status;
  const limits = [];
  const add = (scope, unit, spent, limit) => {
    if (limit != null && limit > 0) limits.push({ scope, unit, spent: spent || 0, limit, share: (spent || 0) / limit });
  };
  if (!user.exempt) {
    add('user', 'usd', status.spentUsd, user.limitUsd);
    add('user', 'tokens', status.spentTokens, user.limitTokens);
  }
  add('organization', 'usd', organization.spentUsd, organization.limitUsd);
  add('organization', 'tokens', organization.spentTokens, organization.limitTokens);
  return limits;
}

/** The limit closest to being spent, or null when none applies. */
export function bindingLimit(status) {
  return limitsOf(status).reduce((top, limit) => (!top || limit.share > top.share ? limit : top), null);
}

const amount = (unit, value) => (unit === 'usd' ? money(value) : `${tokensShort(value)} tokens`);
const whose = (scope) => (scope === 'organization' ? 'The organization’s' : 'Your');

/** `{ state, key, title, detail }` for the banner, or null when there is nothing to say. */
export function budgetNotice({ status, live }) {
  if (status && (status.state === 'warning' || status.state === 'blocked')) {
    const limit = bindingLimit(status);
    const percent = Math.floor(status.percent ?? (limit ? limit.share * 100 : 0));
    const scope = limit?.scope ?? 'user';
    const spent = limit ? ` (${amount(limit.unit, limit.spent)} of ${amount(limit.unit, limit.limit)})` : '';
    const resets = dateText(status.resetsAt);
    const title = status.state === 'blocked'
      ? `${whose(scope)} monthly budget is spent${spent}.`
      : `${whose(scope)} monthly budget is ${percent} % used${spent}.`;
    const detail = status.state === 'blocked'
      ? `Claude cannot take new work until it resets${resets ? ` on ${resets}` : ''}.`
      : resets ? `It resets on ${resets}.` : '';
    return { state: status.state, key: `${status.state}:${status.month}`, title, detail };
  }
  if (live) {
    const state = live.percent >= 100 ? 'blocked' : 'warning';
    const unit = live.unit === 'tokens' ? 'tokens' : 'usd';
    const spent = live.spent != null && live.limit != null ? ` (${amount(unit, live.spent)} of ${amount(unit, live.limit)})` : '';
    const title = `${whose(live.scope)} monthly budget is ${Math.floor(live.percent)} % used${spent}.`;
    return { state, key: `${state}:${live.month}`, title, detail: '' };
  }
  return null;
}
