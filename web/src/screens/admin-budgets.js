// Admin → Budgets (/admin/budgets): the organization's monthly budget (GET /api/admin/budgets, PUT …/organization)
// and each person's (PUT and DELETE …/users/{id}): set, raised, exempted or removed. Everyone is warned at 80 %
// (components/budget-banner.js); this screen asks for the banner's status again after every change.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { AdminSettingState, useAdminSetting } from '../components/admin-setting.js';
import { AdminTabs } from '../components/admin-tabs.js';
import { RemoveBudgetDialog, UserBudgetDialog } from '../components/budget-dialogs.js';
import { refreshBudgetStatus, useBudgetStatus } from '../budget-status.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ADMIN_BUDGETS } from '../paths.js';
import { getSummary } from '../usage/api.js';
import { fieldText, readBudget } from '../usage/budget-form.js';
import { money, tokens } from '../usage/format.js';
import { periodOf } from '../usage/period.js';

const BUDGETS_PATH = '/api/admin/budgets';

/** This month's cost per person (GET /api/usage/summary grouped by user), keyed by user id. */
function useSpentThisMonth(version) {
  const [spent, setSpent] = useState(new Map());
  useEffect(() => {
    getSummary({ ...periodOf('month'), groupBy: 'user' }).then(
      (summary) => setSpent(new Map(summary.rows.map((row) => [row.key, row]))),
      () => setSpent(new Map()),
    );
  }, [version]);
  return spent;
}

function usePeople() {
  const [people, setPeople] = useState([]);
  useEffect(() => {
    api.get('/api/admin/users').then((list) => setPeople([...list].sort((a, b) => a.username.localeCompare(b.username))), () => {});
  }, []);
  return people;
}

const limitText = (value, format) => (value == null ? html`<span class="muted">No limit</span>` : format(value));

function OrganizationSpent() {
  const { status } = useBudgetStatus();
  const organization = status?.organization;
  if (!organization) return null;
  const usd = money(organization.spentUsd) + (organization.limitUsd != null ? ` of ${money(organization.limitUsd)}` : '');
  const count = tokens(organization.spentTokens) + (organization.limitTokens != null ? ` of ${tokens(organization.limitTokens)}` : '');
  return html`<p class="card-lead" id="organization-spent">Spent this month: ${usd} · ${count} tokens.</p>`;
}

function OrganizationForm({ budget, onSaved }) {
  const { busy, error, setError, onSubmit } = useSubmit(async (values) => {
    const read = readBudget(values);
    if (read.error) return setError(read.error);
    await api.put(`${BUDGETS_PATH}/organization`, read.body);
    onSaved('Saved. The organization’s budget applies from now.');
  });
  return html`
    <form class="form budget-form" onSubmit=${onSubmit} noValidate>
      <div class="form-inline-fields">
        <${Field} id="org-budget-usd" name="monthlyUsd" label="Monthly cost (US dollars)" inputMode="decimal"
          defaultValue=${fieldText(budget.monthlyUsd)} hint="Empty: no cost limit." />
        <${Field} id="org-budget-tokens" name="monthlyTokens" label="Monthly tokens" inputMode="numeric"
          defaultValue=${fieldText(budget.monthlyTokens)} hint="Input and output tokens; empty: no token limit." />
      </div>
      <${FormError} message=${error} />
      <div class="form-actions"><${SubmitButton} busy=${busy} label="Save organization budget" busyLabel="Saving…" /></div>
    </form>
  `;
}

function UserBudgetRow({ budget, spent, onEdit, onRemove }) {
  return html`
    <tr>
      <th scope="row"><span class="username">${budget.username}</span>
        ${budget.exempt && html` <span class="badge badge-accent">Exempt</span>`}</th>
      <td class="num" data-label="Monthly cost">${limitText(budget.monthlyUsd, money)}</td>
      <td class="num" data-label="Monthly tokens">${limitText(budget.monthlyTokens, tokens)}</td>
      <td class="num" data-label="Spent this month">${money(spent?.costUsd ?? 0)}</td>
      <td class="row-actions">
        <button type="button" class="button button-small button-secondary" onClick=${onEdit}>
          Change<span class="sr-only"> the budget of ${budget.username}</span>
        </button>
        <button type="button" class="button button-small button-ghost-danger" onClick=${onRemove}>
          Remove<span class="sr-only"> the budget of ${budget.username}</span>
        </button>
      </td>
    </tr>
  `;
}

function UserBudgets({ users, spent, setDialog }) {
  if (!users.length) {
    return html`<p class="card-empty">Nobody has a budget of their own: everyone shares the organization’s.</p>`;
  }
  return html`
    <div class="table-wrap">
      <table class="table table-stack">
        <caption class="sr-only">People with a budget of their own</caption>
        <thead>
          <tr>
            <th scope="col">Person</th><th scope="col" class="num">Monthly cost</th><th scope="col" class="num">Monthly tokens</th>
            <th scope="col" class="num">Spent this month</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${users.map((budget) => html`<${UserBudgetRow} key=${budget.userId} budget=${budget} spent=${spent.get(budget.userId)}
            onEdit=${() => setDialog({ kind: 'edit', budget })} onRemove=${() => setDialog({ kind: 'remove', budget })} />`)}
        </tbody>
      </table>
    </div>
  `;
}

export default function AdminBudgetsScreen() {
  const setting = useAdminSetting(BUDGETS_PATH);
  const [dialog, setDialog] = useState(null); // { kind: 'new' | 'edit' | 'remove', budget }
  const [version, setVersion] = useState(0);
  const [flash, setFlash] = useState(null);
  const people = usePeople();
  const spent = useSpentThisMonth(version);
  const close = () => setDialog(null);
  /** After a change: the budgets as the server now has them, this month's spending and the banner's status. */
  const changed = async (message) => {
    close();
    refreshBudgetStatus();
    setVersion((n) => n + 1);
    try {
      setting.saved(await api.get(BUDGETS_PATH), null);
    } catch {
      setting.reload();
    }
    setFlash(message);
  };
  const users = setting.value?.users ?? [];
  const withBudget = new Set(users.map((budget) => budget.userId));

  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Budgets</h1>
        <p class="page-lead">How much the organization, and anyone on their own, may spend on Claude each calendar
          month. Everyone is warned at 80 %; at 100 % Claude takes no new work until the month ends or you raise it.</p>
        <${AdminTabs} current=${ADMIN_BUDGETS} />
        <div class="flash" role="status" data-tone=${flash ? 'ok' : undefined}>${flash || ''}</div>
      </header>
      <section class="card" aria-labelledby="org-budget-title">
        <div class="card-header"><h2 id="org-budget-title"><${Icon} name="building" size=${20} /> Organization</h2></div>
        <${OrganizationSpent} />
        <${AdminSettingState} setting=${setting} />
        ${setting.value && html`<${OrganizationForm} key=${JSON.stringify(setting.value.organization)}
          budget=${setting.value.organization ?? {}} onSaved=${changed} />`}
      </section>
      <section class="card" aria-labelledby="user-budgets-title">
        <div class="card-header">
          <h2 id="user-budgets-title"><${Icon} name="users" size=${20} /> People ${setting.value && html`<span class="count">${users.length}</span>`}</h2>
          <button type="button" class="button button-primary" disabled=${!setting.value}
            onClick=${() => setDialog({ kind: 'new' })}><${Icon} name="plus" size=${18} /> New budget</button>
        </div>
        <p class="card-lead">A person’s own budget applies on top of the organization’s. Exempt people are never stopped.</p>
        ${setting.value && html`<${UserBudgets} users=${users} spent=${spent} setDialog=${setDialog} />`}
      </section>
      ${dialog?.kind === 'new' && html`<${UserBudgetDialog} people=${people.filter((p) => !withBudget.has(p.id))}
        onClose=${close} onSaved=${(name) => changed(`Saved the budget of ${name}.`)} />`}
      ${dialog?.kind === 'edit' && html`<${UserBudgetDialog} budget=${dialog.budget} onClose=${close}
        onSaved=${(name) => changed(`Saved the budget of ${name}.`)} />`}
      ${dialog?.kind === 'remove' && html`<${RemoveBudgetDialog} budget=${dialog.budget} onClose=${close}
        onRemoved=${(name) => changed(`Removed the budget of ${name}.`)} />`}
    </div>
  `;
}
