// The budget banner every signed-in screen shows once this month's budget is 80 % used (a warning, which can be
// hidden) or spent (blocked): the amounts, when it resets, and who can raise it. It follows `budget.warning` events
// and asks again when the tab comes back into view.
import { useEffect } from 'preact/hooks';
import {
  clearBudgetStatus, hideBudgetWarning, noteBudgetWarning, refreshBudgetStatus, useBudgetStatus,
} from '../budget-status.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ADMIN_BUDGETS } from '../paths.js';
import { Link } from '../router.js';
import { budgetNotice } from '../usage/budget.js';
import { useRealtimeEvent } from '../use-realtime.js';

function useBudgetFollowing(userId) {
  useEffect(() => {
    refreshBudgetStatus();
    const onVisible = () => document.visibilityState === 'visible' && refreshBudgetStatus();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      clearBudgetStatus();
    };
  }, [userId]);
  useRealtimeEvent('budget.warning', noteBudgetWarning);
}

export function BudgetBanner({ user }) {
  useBudgetFollowing(user.id);
  const budget = useBudgetStatus();
  const notice = budgetNotice(budget);
  if (!notice || (notice.state === 'warning' && budget.hidden === notice.key)) return null;
  return html`
    <div class="budget-banner" id="budget-banner" data-state=${notice.state} role=${notice.state === 'blocked' ? 'alert' : 'status'}>
      <${Icon} name="alert" size=${18} />
      <p>
        <strong>${notice.title}</strong>${' '}${notice.detail}${' '}
        ${user.isAdmin
          ? html`You can raise it in <${Link} href=${ADMIN_BUDGETS}>Admin → Budgets<//>.`
          : 'An administrator can raise it.'}
      </p>
      ${notice.state === 'warning' && html`
        <button type="button" class="icon-button" aria-label="Hide the budget warning"
          onClick=${() => hideBudgetWarning(notice.key)}><${Icon} name="close" size=${16} /></button>`}
    </div>
  `;
}
