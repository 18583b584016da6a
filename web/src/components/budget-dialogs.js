// Admin → Budgets' dialogs for one person's budget: set (a person picked from those without one), change (raise,
// lower, exempt) and remove. What is wrong with the form, or the server's refusal, shows in the dialog.
import { api } from '../api.js';
import { Checkbox, Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { fieldText, readUserBudget } from '../usage/budget-form.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

const userPath = (userId) => `/api/admin/budgets/users/${encodeURIComponent(userId)}`;

function BudgetFields({ budget = {}, autofocus }) {
  return html`
    <${Field} id="user-budget-usd" name="monthlyUsd" label="Monthly cost (US dollars)" inputMode="decimal"
      defaultValue=${fieldText(budget.monthlyUsd)} data-autofocus=${autofocus || undefined}
      hint="Empty: no cost limit of their own." />
    <${Field} id="user-budget-tokens" name="monthlyTokens" label="Monthly tokens" inputMode="numeric"
      defaultValue=${fieldText(budget.monthlyTokens)} hint="Input and output tokens; empty: no token limit." />
    <${Checkbox} id="user-budget-exempt" name="exempt" defaultChecked=${Boolean(budget.exempt)} label="Exempt"
      hint="Never stopped by a budget, the organization’s included; their usage still counts." />
  `;
}

/** `budget` null: a new one, for one of `people` (those without a budget). */
export function UserBudgetDialog({ budget, people = [], onClose, onSaved }) {
  const { busy, error, setError, onSubmit } = useSubmit(async (values) => {
    const userId = budget?.userId ?? values.userId;
    if (!userId) return setError('Pick the person this budget is for.');
    const read = readUserBudget(values);
    if (read.error) return setError(read.error);
    await api.put(userPath(userId), read.body);
    onSaved(budget?.username ?? people.find((person) => person.id === userId)?.username ?? 'them');
  });
  return html`
    <${Dialog} title=${budget ? `Budget of ${budget.username}` : 'New budget for a person'} onClose=${onClose}>
      <form class="form" onSubmit=${onSubmit} noValidate>
        ${!budget && html`
          <div class="field">
            <label for="user-budget-person">Person</label>
            <select id="user-budget-person" name="userId" class="input" required data-autofocus>
              <option value="">Pick a person…</option>
              ${people.map((person) => html`<option key=${person.id} value=${person.id}>${person.username}</option>`)}
            </select>
          </div>`}
        <${BudgetFields} budget=${budget ?? {}} autofocus=${Boolean(budget)} />
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label="Save budget" busyLabel="Saving…" />
        </div>
      </form>
    <//>
  `;
}

export function RemoveBudgetDialog({ budget, onClose, onRemoved }) {
  const remove = async () => {
    await api.delete(userPath(budget.userId));
    onRemoved(budget.username);
  };
  return html`
    <${ConfirmDialog} title=${`Remove the budget of ${budget.username}?`} confirmLabel="Remove budget"
      busyLabel="Removing…" onConfirm=${remove} onClose=${onClose}>
      <p>${budget.username} will only be held to the organization’s budget.</p>
    <//>
  `;
}
