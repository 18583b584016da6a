// Admin → Audit log (/admin/audit): who did what, to what, when and from where (GET /api/admin/audit), newest
// first, filtered by period, person, action, target and text, fifty at a time with "Load more".
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { AdminTabs } from '../components/admin-tabs.js';
import { AuditFilters } from '../components/audit-filters.js';
import { AuditTable } from '../components/audit-table.js';
import { getAuditActions, getAuditPage } from '../audit/api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ADMIN_AUDIT } from '../paths.js';
import { periodOf } from '../usage/period.js';

const initialFilters = () => ({ ...periodOf('30d'), actorId: '', action: '', targetId: '', q: '' });

function usePeople() {
  const [people, setPeople] = useState([]);
  useEffect(() => {
    api.get('/api/admin/users').then((list) => setPeople([...list].sort((a, b) => a.username.localeCompare(b.username))), () => {});
  }, []);
  return people;
}

/** Every audited action, from the server; until it answers (or if it cannot), none. */
function useActions() {
  const [actions, setActions] = useState([]);
  useEffect(() => {
    const controller = new AbortController();
    getAuditActions({ signal: controller.signal }).then((answer) => setActions(answer.actions), () => {});
    return () => controller.abort();
  }, []);
  return actions;
}

/** The entries for `filters`, page by page; `more()` loads the next page. */
function useAudit(filters) {
  const [state, setState] = useState({ entries: [], nextCursor: null, loading: true, error: null });
  const controller = useRef(null);

  const load = (cursor) => {
    controller.current?.abort();
    const mine = (controller.current = new AbortController());
    setState((previous) => ({ ...(cursor ? previous : { entries: [], nextCursor: null }), loading: true, error: null }));
    getAuditPage(filters, cursor, { signal: mine.signal }).then(
      (page) => {
        setState((previous) => ({
          entries: cursor ? [...previous.entries, ...page.entries] : page.entries,
          nextCursor: page.nextCursor ?? null,
          loading: false,
          error: null,
        }));
      },
      (err) => err.name !== 'AbortError' && setState((previous) => ({ ...previous, loading: false, error: err.message })),
    );
  };
  useEffect(() => {
    load(null);
    return () => controller.current?.abort();
  }, [JSON.stringify(filters)]);
  return { ...state, more: () => load(state.nextCursor), retry: () => load(null) };
}

// "Load more" stays in place while the next page loads (aria-disabled, not disabled), so it keeps the focus until
// the first new entry takes it.
export default function AdminAuditScreen() {
  const [filters, setFilters] = useState(initialFilters);
  const [formKey, setFormKey] = useState(0);
  const people = usePeople();
  const audit = useAudit(filters);
  const actions = useActions();
  const list = useRef(null);
  const focusFrom = useRef(null); // after "Load more": the first new entry takes the focus (the button may be gone)
  useEffect(() => {
    if (focusFrom.current === null || audit.loading) return;
    list.current?.querySelectorAll('.audit-toggle')[focusFrom.current]?.focus();
    focusFrom.current = null;
  }, [audit.entries.length, audit.loading]);
  const more = () => {
    if (audit.loading) return;
    focusFrom.current = audit.entries.length;
    audit.more();
  };
  const clear = () => {
    setFilters(initialFilters());
    setFormKey((n) => n + 1);
  };

  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Audit log</h1>
        <p class="page-lead">Sign-ins, changes to people, settings, budgets and projects, and refusals: who did what,
          when and from where. Times are in your time zone.</p>
        <${AdminTabs} current=${ADMIN_AUDIT} />
      </header>
      <section class="card" aria-labelledby="audit-title" aria-busy=${audit.loading ? 'true' : 'false'}>
        <div class="card-header">
          <h2 id="audit-title"><${Icon} name="document" size=${20} /> Entries
            ${!audit.loading && html`<span class="count">${audit.entries.length}${audit.nextCursor ? '+' : ''}</span>`}</h2>
        </div>
        <${AuditFilters} key=${formKey} filters=${filters} people=${people} actions=${actions}
          onApply=${setFilters} onClear=${clear} />
        ${audit.error && html`
          <div class="callout callout-bad callout-row" role="alert">
            <p>${audit.error}</p>
            <button type="button" class="button button-small button-secondary" onClick=${audit.retry}>Try again</button>
          </div>`}
        <div ref=${list}>${audit.entries.length > 0 && html`<${AuditTable} entries=${audit.entries} />`}</div>
        ${!audit.loading && !audit.error && !audit.entries.length && html`
          <p class="card-empty" id="audit-empty">No entries match these filters.</p>`}
        ${audit.loading && !audit.nextCursor && html`
          <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading entries…</p>`}
        ${audit.nextCursor && html`
          <div class="audit-more">
            <button type="button" class="button button-secondary" aria-disabled=${audit.loading ? 'true' : 'false'}
              onClick=${more}>
              ${audit.loading ? html`<span class="spinner" aria-hidden="true"></span> Loading…` : 'Load more'}
            </button>
          </div>`}
      </section>
    </div>
  `;
}
