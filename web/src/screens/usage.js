// Usage (/usage for everyone, /admin/usage among the Admin sections): tokens and cost for a period, as a chart of
// cost by day, a table grouped by day, person, project, kind or model, and the sessions that cost the most; the
// table as CSV. People see their own usage (the server decides); administrators pick a person or the organization.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { AdminTabs } from '../components/admin-tabs.js';
import { CostChart } from '../components/usage-chart.js';
import { UsageFilters } from '../components/usage-filters.js';
import { TopSessions, UsageTable } from '../components/usage-table.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ADMIN_USAGE } from '../paths.js';
import { navigate } from '../router.js';
import { downloadCsv } from '../usage/api.js';
import { money, tokensShort } from '../usage/format.js';
import { periodOf } from '../usage/period.js';
import { filtersFrom, isEmpty, loadUsage, searchOf } from '../usage/state.js';

function usePeople(isAdmin) {
  const [people, setPeople] = useState(null);
  useEffect(() => {
    if (!isAdmin) return;
    const byName = (a, b) => a.username.localeCompare(b.username);
    api.get('/api/admin/users').then((list) => setPeople([...list].sort(byName)), () => setPeople([]));
  }, [isAdmin]);
  return people;
}

function useUsage(filters) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, error: null, loading: true }));
    loadUsage(filters, { signal: controller.signal }).then(
      (data) => setState({ data, error: null, loading: false }),
      (err) => err.name !== 'AbortError' && setState({ data: null, error: err.message, loading: false }),
    );
    return () => controller.abort();
  }, [filters.from, filters.to, filters.groupBy, filters.userId, attempt]);
  return { ...state, retry: () => setAttempt((n) => n + 1) };
}

function Totals({ totals }) {
  const items = [
    ['Cost', money(totals.costUsd)],
    ['Requests', tokensShort(totals.requests)],
    ['Input tokens', tokensShort(totals.inputTokens)],
    ['Output tokens', tokensShort(totals.outputTokens)],
    ['Cache read', tokensShort(totals.cacheReadTokens)],
    ['Cache write', tokensShort(totals.cacheWriteTokens)],
  ];
  return html`
    <dl class="usage-totals">
      ${items.map(([label, value]) => html`<div key=${label}><dt>${label}</dt><dd>${value}</dd></div>`)}
    </dl>
  `;
}

function ExportButton({ filters }) {
  const [state, setState] = useState({ busy: false, error: null });
  const run = async () => {
    setState({ busy: true, error: null });
    try {
      await downloadCsv(filters);
      setState({ busy: false, error: null });
    } catch (err) {
      setState({ busy: false, error: err.message });
    }
  };
  return html`
    <div class="usage-export">
      <button type="button" class="button button-secondary button-small" onClick=${run} disabled=${state.busy}>
        ${state.busy ? html`<span class="spinner" aria-hidden="true"></span> Exporting…` : 'Export CSV'}
      </button>
      <p class="form-error" role="alert">${state.error || ''}</p>
    </div>
  `;
}

function whose(summary, filters, people, me) {
  if (summary.scope === 'organization') return 'Everyone in the organization';
  if (!filters.userId || filters.userId === me.id) return 'Your own usage';
  return `${people?.find((person) => person.id === filters.userId)?.username ?? 'One person'}’s usage`;
}

function Results({ usage, filters, people, me }) {
  const { summary, daily, top } = usage.data;
  const names = new Map((people ?? []).map((person) => [person.id, person.username]));
  names.set(me.id, me.username);
  if (isEmpty(summary)) {
    return html`
      <section class="card" aria-labelledby="usage-chart-title">
        <h2 id="usage-chart-title" class="sr-only">Cost by day</h2>
        <p class="card-empty" id="usage-empty">Nothing was recorded in this period. Chats, skills and schedules add
          their tokens and cost here as they run.</p>
      </section>
    `;
  }
  return html`
    <section class="card" aria-labelledby="usage-chart-title">
      <div class="card-header">
        <h2 id="usage-chart-title"><${Icon} name="usage" size=${20} /> Cost by day</h2>
        <span class="muted">${whose(summary, filters, people, me)}</span>
      </div>
      <${Totals} totals=${summary.totals} />
      <${CostChart} rows=${daily.rows} from=${summary.from ?? filters.from} to=${summary.to ?? filters.to} />
    </section>
    <section class="card" aria-labelledby="usage-table-title">
      <div class="card-header">
        <h2 id="usage-table-title">Tokens and cost</h2>
        <${ExportButton} filters=${filters} />
      </div>
      <${UsageTable} summary=${summary} />
    </section>
    <section class="card" aria-labelledby="usage-top-title">
      <div class="card-header"><h2 id="usage-top-title">Top sessions by cost</h2></div>
      <${TopSessions} sessions=${top} me=${me} names=${names} />
    </section>
  `;
}

export default function UsageScreen({ path, user: me }) {
  const inAdmin = path === ADMIN_USAGE;
  const defaults = { preset: 'month', groupBy: 'day', userId: me.isAdmin && !inAdmin ? me.id : null };
  const [filters, setFilters] = useState(() => {
    const read = filtersFrom(window.location.search, defaults);
    return me.isAdmin ? read : { ...read, userId: null };
  });
  const people = usePeople(me.isAdmin);
  const usage = useUsage(filters);

  const change = (next) => {
    const settled = { ...next, ...periodOf(next.preset, next) };
    setFilters(settled);
    navigate(`${path}?${searchOf(settled)}`, { replace: true });
  };

  return html`
    <div class="page usage" aria-busy=${usage.loading ? 'true' : 'false'}>
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Usage</h1>
        <p class="page-lead">${me.isAdmin
          ? 'Tokens and cost of chats, skills and schedules, for you, one person or the whole organization.'
          : 'The tokens and cost of your chats, skills and schedules.'}</p>
        ${inAdmin && html`<${AdminTabs} current=${ADMIN_USAGE} />`}
      </header>
      <${UsageFilters} filters=${filters} users=${me.isAdmin ? people ?? [] : null} onChange=${change} />
      ${usage.error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>${usage.error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${usage.retry}>Try again</button>
        </div>`}
      ${usage.loading && !usage.data && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading usage…</p>`}
      ${usage.data && html`<${Results} usage=${usage} filters=${filters} people=${people} me=${me} />`}
    </div>
  `;
}
