// Admin → Audit log's filters: the period (at most 92 days), who acted, the action (every audited action, as the
// server lists them), the target and free text. The period, person and action apply at once; the text fields
// when the form is sent.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { periodProblem } from '../usage/period.js';

const LONGEST_DAYS = 92;
const withCurrent = (actions, current) => (current && !actions.includes(current) ? [current, ...actions] : actions);

export function AuditFilters({ filters, people, actions, onApply, onClear }) {
  const [text, setText] = useState({ targetId: filters.targetId, q: filters.q });
  const [days, setDays] = useState({ from: filters.from, to: filters.to });
  const problem = periodProblem(days, LONGEST_DAYS);
  const now = (field) => (event) => onApply({ ...filters, ...text, [field]: event.currentTarget.value });
  const day = (field) => (event) => {
    const next = { ...days, [field]: event.currentTarget.value };
    setDays(next);
    if (!periodProblem(next, LONGEST_DAYS)) onApply({ ...filters, ...text, ...next });
  };
  const typed = (field) => (event) => setText({ ...text, [field]: event.currentTarget.value });
  const submit = (event) => {
    event.preventDefault();
    onApply({ ...filters, ...text });
  };
  const clear = () => {
    setText({ targetId: '', q: '' });
    onClear();
  };
  return html`
    <form class="audit-filters" onSubmit=${submit} role="search" aria-label="Filter the audit log">
      <div class="field">
        <label for="audit-from">From</label>
        <input id="audit-from" class="input" type="date" value=${days.from} max=${days.to || undefined} onChange=${day('from')}
          aria-invalid=${problem ? 'true' : undefined} aria-describedby="audit-period-error" />
      </div>
      <div class="field">
        <label for="audit-to">To</label>
        <input id="audit-to" class="input" type="date" value=${days.to} min=${days.from || undefined} onChange=${day('to')}
          aria-invalid=${problem ? 'true' : undefined} aria-describedby="audit-period-error" />
      </div>
      <div class="field">
        <label for="audit-actor">Who</label>
        <select id="audit-actor" class="input" value=${filters.actorId} onChange=${now('actorId')}>
          <option value="">Anyone</option>
          ${people.map((person) => html`<option key=${person.id} value=${person.id}>${person.username}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="audit-action">Action</label>
        <select id="audit-action" class="input" value=${filters.action} onChange=${now('action')}>
          <option value="">Any action</option>
          ${withCurrent(actions, filters.action).map((action) => html`<option key=${action} value=${action}>${action}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="audit-target">Target</label>
        <input id="audit-target" class="input" value=${text.targetId} onInput=${typed('targetId')} autocomplete="off"
          spellcheck="false" placeholder="An id" />
      </div>
      <div class="field audit-search">
        <label for="audit-q">Search</label>
        <input id="audit-q" class="input" type="search" value=${text.q} onInput=${typed('q')} autocomplete="off"
          placeholder="Names, addresses, details…" />
      </div>
      <p class="form-error audit-period-error" id="audit-period-error" role="alert">${problem || ''}</p>
      <div class="form-actions audit-filter-actions">
        <button type="submit" class="button button-primary">Apply filters</button>
        <button type="button" class="button button-secondary" onClick=${clear}>Clear</button>
      </div>
    </form>
  `;
}
