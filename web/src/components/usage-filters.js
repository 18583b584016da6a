// The Usage screen's controls: the period (presets or two days), what the table groups by, and — for
// administrators — whose usage. Each change applies at once; a custom period only once it makes sense.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { GROUPS } from '../usage/api.js';
import { PRESETS, periodProblem } from '../usage/period.js';

function Segmented({ legend, name, options, value, onChange }) {
  return html`
    <fieldset class="usage-control">
      <legend>${legend}</legend>
      <div class="segmented">
        ${options.map((option) => html`
          <label key=${option.value}>
            <input type="radio" name=${name} value=${option.value} checked=${option.value === value}
              onChange=${() => onChange(option.value)} />
            ${option.label}
          </label>`)}
      </div>
    </fieldset>
  `;
}

function CustomPeriod({ from, to, onApply }) {
  const [days, setDays] = useState({ from, to });
  const problem = periodProblem(days);
  const change = (field) => (event) => {
    const next = { ...days, [field]: event.currentTarget.value };
    setDays(next);
    if (!periodProblem(next)) onApply(next);
  };
  return html`
    <div class="usage-custom">
      <div class="field">
        <label for="usage-from">From</label>
        <input id="usage-from" class="input" type="date" value=${days.from} max=${days.to || undefined}
          aria-invalid=${problem ? 'true' : undefined} aria-describedby="usage-period-error" onChange=${change('from')} />
      </div>
      <div class="field">
        <label for="usage-to">To</label>
        <input id="usage-to" class="input" type="date" value=${days.to} min=${days.from || undefined}
          aria-invalid=${problem ? 'true' : undefined} aria-describedby="usage-period-error" onChange=${change('to')} />
      </div>
      <p class="form-error usage-period-error" id="usage-period-error" role="alert">${problem || ''}</p>
    </div>
  `;
}

/** `filters`: `{ preset, from, to, groupBy, userId }`; `users`: the people an administrator may pick, else null. */
export function UsageFilters({ filters, users, onChange }) {
  const set = (fields) => onChange({ ...filters, ...fields });
  return html`
    <div class="usage-filters">
      <${Segmented} legend="Period" name="usage-period" options=${PRESETS} value=${filters.preset}
        onChange=${(preset) => set({ preset })} />
      ${filters.preset === 'custom' && html`<${CustomPeriod} from=${filters.from} to=${filters.to}
        onApply=${(days) => set(days)} />`}
      <${Segmented} legend="Group by" name="usage-group" options=${GROUPS} value=${filters.groupBy}
        onChange=${(groupBy) => set({ groupBy })} />
      ${users && html`
        <div class="field usage-control">
          <label for="usage-user">Whose usage</label>
          <select id="usage-user" class="input" value=${filters.userId || ''}
            onChange=${(event) => set({ userId: event.currentTarget.value || null })}>
            <option value="">Everyone (the organization)</option>
            ${users.map((user) => html`<option key=${user.id} value=${user.id}>${user.username}</option>`)}
          </select>
        </div>`}
    </div>
  `;
}
