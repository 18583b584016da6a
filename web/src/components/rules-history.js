// A CLAUDE.md's history, newest first (paged): who saved each version, when, from where, and which one is active.
// Tick two versions to compare them, View one to read it, Restore one (the screen asks first).
import { useEffect, useRef, useState } from 'preact/hooks';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { SOURCES, formatBytes, rulesApi } from '../rules/api.js';
import { RulesDiff } from './rules-diff.js';

/** `{ versions (null while loading), next, error, more() }`, reloaded when `revision` changes. */
function useVersions(where, revision) {
  const [state, setState] = useState({ versions: null, next: null, error: null });
  const serial = useRef(0);
  useEffect(() => {
    const mine = ++serial.current;
    setState({ versions: null, next: null, error: null });
    rulesApi.versions(where).then((page) => mine === serial.current && setState({ versions: page.versions, next: page.next, error: null }),
      (err) => mine === serial.current && setState({ versions: null, next: null, error: err.message }));
  }, [where.scope, where.projectId, revision]);
  const more = async () => {
    const mine = serial.current;
    const page = await rulesApi.versions(where, state.next);
    if (mine === serial.current) setState((s) => ({ ...s, versions: [...s.versions, ...page.versions], next: page.next }));
  };
  return { ...state, more };
}

function VersionView({ where, version, canRestore, onRestore, onClose }) {
  const [state, setState] = useState({ doc: null, error: null });
  useEffect(() => {
    let live = true;
    rulesApi.version(where, version).then((doc) => live && setState({ doc, error: null }),
      (err) => live && setState({ doc: null, error: err.message }));
    return () => (live = false);
  }, [where.scope, where.projectId, version]);
  return html`
    <section class="rules-panel" aria-labelledby="rules-version-title" id="rules-version">
      <div class="rules-panel-header">
        <h3 id="rules-version-title">Version ${version}${state.doc && html` <span class="muted">· ${state.doc.authorName || 'Unknown'},
          <${DateText} value=${state.doc.createdAt} ago /></span>`}</h3>
        <div class="form-actions">
          ${canRestore && html`<button type="button" class="button button-small button-secondary"
            onClick=${() => onRestore(version)}>Restore this version</button>`}
          <button type="button" class="button button-small button-secondary" onClick=${onClose}>Close</button>
        </div>
      </div>
      ${state.error && html`<p class="callout callout-bad" role="alert">${state.error}</p>`}
      ${!state.doc && !state.error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading…</p>`}
      ${state.doc && (state.doc.content
        ? html`<pre class="rules-version-text">${state.doc.content}</pre>`
        : html`<p class="muted">This version is empty.</p>`)}
    </section>
  `;
}

function VersionRow({ item, picked, canRestore, onPick, onView, onRestore }) {
  return html`
    <tr data-active=${item.isActive ? 'true' : 'false'} data-version=${item.version}>
      <td class="rules-pick-cell" data-label="Compare">
        <input type="checkbox" class="rules-pick" id=${`rules-pick-${item.version}`} checked=${picked}
          aria-label=${`Compare version ${item.version}`} onChange=${(e) => onPick(item.version, e.currentTarget.checked)} />
      </td>
      <th scope="row">
        Version ${item.version}${item.isActive && html` <span class="badge badge-accent">Active</span>`}
      </th>
      <td class="rules-author" data-label="Who">${item.authorName || html`<span class="muted">Unknown</span>`}</td>
      <td data-label="When"><${DateText} value=${item.createdAt} ago /></td>
      <td data-label="Source">${SOURCES[item.source] || item.source}</td>
      <td data-label="Size">${formatBytes(item.bytes ?? 0)}</td>
      <td class="row-actions">
        <button type="button" class="button button-small button-secondary" onClick=${() => onView(item.version)}>
          View<span class="sr-only"> version ${item.version}</span></button>
        ${canRestore && !item.isActive && html`<button type="button" class="button button-small button-secondary"
          onClick=${() => onRestore(item.version)}>Restore<span class="sr-only"> version ${item.version}</span></button>`}
      </td>
    </tr>
  `;
}

/** `revision` changes after every save or restore; `onRestore(version)` asks and restores. */
export function RulesHistory({ where, revision, canEdit, onRestore }) {
  const { versions, next, error, more } = useVersions(where, revision);
  const [picked, setPicked] = useState([]);
  const [viewing, setViewing] = useState(null);
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => {
    setPicked([]);
    setViewing(null);
  }, [where.scope, where.projectId]);

  const pick = (version, on) => setPicked((list) => (on ? [...list.filter((v) => v !== version), version].slice(-2) : list.filter((v) => v !== version)));
  const showMore = async () => {
    setLoadingMore(true);
    try {
      await more();
    } finally {
      setLoadingMore(false);
    }
  };
  const [from, to] = [...picked].sort((a, b) => a - b);

  return html`
    <section class="card" aria-labelledby="rules-history-title">
      <div class="card-header">
        <h2 id="rules-history-title"><${Icon} name="schedules" size=${20} /> History</h2>
      </div>
      <p class="card-lead">Every saved version, newest first. Tick two to see what changed between them.</p>
      ${error && html`<p class="callout callout-bad" role="alert">${error}</p>`}
      ${!versions && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading the history…</p>`}
      ${versions?.length === 0 && html`<p class="card-empty">No versions yet: the first save starts the history.</p>`}
      ${versions?.length > 0 && html`
        <div class="table-wrap">
          <table class="table table-stack rules-history">
            <caption class="sr-only">Versions of this CLAUDE.md</caption>
            <thead>
              <tr>
                <th scope="col"><span class="sr-only">Compare</span></th><th scope="col">Version</th><th scope="col">Who</th>
                <th scope="col">When</th><th scope="col">Source</th><th scope="col">Size</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${versions.map((item) => html`<${VersionRow} key=${item.version} item=${item} picked=${picked.includes(item.version)}
                canRestore=${canEdit} onPick=${pick} onView=${setViewing} onRestore=${onRestore} />`)}
            </tbody>
          </table>
        </div>
        ${next && html`<button type="button" class="button button-small button-secondary rules-more" disabled=${loadingMore}
          onClick=${showMore}>${loadingMore ? 'Loading…' : 'Show older versions'}</button>`}`}
      ${picked.length === 2 && html`<${RulesDiff} where=${where} from=${from} to=${to} onClose=${() => setPicked([])} />`}
      ${viewing && html`<${VersionView} where=${where} version=${viewing} onClose=${() => setViewing(null)}
        canRestore=${canEdit && versions?.find((v) => v.version === viewing)?.isActive === false} onRestore=${onRestore} />`}
    </section>
  `;
}
