// Admin → Limits (/admin/limits): the per-person quotas (GET and PUT /api/admin/settings/quotas). The form shows
// every limit the server answers with, so a limit added on the server appears here with its own name.
import { api } from '../api.js';
import { AdminSettingState, useAdminSetting } from '../components/admin-setting.js';
import { AdminTabs } from '../components/admin-tabs.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ADMIN_LIMITS } from '../paths.js';

const SETTINGS_PATH = '/api/admin/settings/quotas';
// What each limit means to a person; one the server adds later shows with its name until it is described here.
const DESCRIBED = {
  maxActiveSchedules: { label: 'Active schedules per person', hint: 'Turned-on schedules one person may have.' },
  minScheduleIntervalMinutes: {
    label: 'Shortest time between runs (minutes)',
    hint: 'A schedule may not run more often than this.',
  },
  uploadsPerHour: { label: 'Uploads per person per hour', hint: 'Files one person may upload in a clock hour.' },
  turnsPerDay: { label: 'Chat messages per person per day', hint: 'Counted in UTC days.' },
  tokensPerDay: { label: 'Tokens per person per day', hint: 'Input and output tokens of Claude’s answers, in UTC days.' },
};

function describe(name) {
  return DESCRIBED[name] ?? { label: name.replace(/([A-Z])/g, ' $1').toLowerCase(), hint: null };
}

function LimitsForm({ limits, onSaved }) {
  const names = Object.keys(limits);
  const { busy, error, setError, onSubmit } = useSubmit(async (values) => {
    const body = {};
    for (const name of names) {
      const value = Number(values[name]);
      if (!Number.isInteger(value) || value < 1) {
        setError(`${describe(name).label}: give a whole number of at least 1.`);
        return;
      }
      body[name] = value;
    }
    onSaved(await api.put(SETTINGS_PATH, body));
  });
  return html`
    <form class="form" onSubmit=${onSubmit} noValidate>
      ${names.map((name) => html`<${Field} key=${name} id=${`limit-${name}`} name=${name} type="number" min="1"
        step="1" inputMode="numeric" required defaultValue=${String(limits[name])} label=${describe(name).label}
        hint=${describe(name).hint} />`)}
      <${FormError} message=${error} />
      <div class="form-actions">
        <${SubmitButton} busy=${busy} label="Save limits" busyLabel="Saving…" />
      </div>
    </form>
  `;
}

export default function AdminLimitsScreen() {
  const setting = useAdminSetting(SETTINGS_PATH);
  const saved = (limits) => setting.saved(limits, 'Saved. The new limits apply from the next request.');
  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Limits</h1>
        <p class="page-lead">How much each person may use, so one schedule or script cannot crowd out everyone else.
          Administrators are held to them too.</p>
        <${AdminTabs} current=${ADMIN_LIMITS} />
      </header>
      <section class="card" aria-labelledby="limits-title">
        <div class="card-header">
          <h2 id="limits-title"><${Icon} name="admin" size=${20} /> Per-person limits</h2>
        </div>
        <p class="card-lead">Someone who reaches a limit is told which one and when it resets.</p>
        <${AdminSettingState} setting=${setting} />
        ${setting.value && html`<${LimitsForm} key=${JSON.stringify(setting.value)} limits=${setting.value} onSaved=${saved} />`}
      </section>
    </div>
  `;
}
