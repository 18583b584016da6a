// Admin → Audit log's entries: when (in the viewer's time zone), who and how, what, on what, and the outcome;
// each row opens to show the address, the browser and the change as a before / after table.
import { useState } from 'preact/hooks';
import { diffRows } from '../audit/diff.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const GOOD = new Set(['success', 'succeeded', 'ok', 'allowed']);

function When({ at }) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return html`<span class="muted">${at}</span>`;
  return html`<time datetime=${at} title=${date.toISOString()}>${time.format(date)}</time>`;
}

function Target({ target }) {
  if (!target) return html`<span class="muted">—</span>`;
  return html`<span class="audit-target"><span class="muted">${target.type}</span> ${target.name || target.id || ''}</span>`;
}

function Diff({ before, after }) {
  const rows = diffRows(before, after);
  if (!rows.length) return html`<p class="muted">No change recorded.</p>`;
  const cell = (value) => (value === null ? html`<span class="muted">—</span>` : value);
  return html`
    <table class="table audit-diff">
      <caption class="sr-only">What changed</caption>
      <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
      <tbody>
        ${rows.map((row) => html`
          <tr key=${row.field} data-changed=${row.changed ? 'true' : 'false'}>
            <th scope="row">${row.field}</th><td class="cell-wrap">${cell(row.before)}</td><td class="cell-wrap">${cell(row.after)}</td>
          </tr>`)}
      </tbody>
    </table>
  `;
}

function Entry({ entry }) {
  const [open, setOpen] = useState(false);
  const detailId = `audit-detail-${entry.id}`;
  const good = GOOD.has(String(entry.outcome).toLowerCase());
  return html`
    <tbody class="audit-entry" data-actor-id=${entry.actorId ?? ''}>
      <tr>
        <td>
          <button type="button" class="icon-button audit-toggle" aria-expanded=${open ? 'true' : 'false'}
            aria-controls=${detailId} onClick=${() => setOpen(!open)}>
            <${Icon} name="chevron" size=${16} /><span class="sr-only">Details of ${entry.action} at ${entry.at}</span>
          </button>
        </td>
        <td data-label="Time"><${When} at=${entry.at} /></td>
        <td class="audit-actor" data-label="Who">${entry.actorName || entry.actorId || 'System'}
          ${entry.via && html` <span class="muted audit-via">via ${entry.via}</span>`}</td>
        <td data-label="Action"><code class="audit-action">${entry.action}</code></td>
        <td class="cell-wrap" data-label="Target"><${Target} target=${entry.target} /></td>
        <td data-label="Outcome"><span class="badge audit-outcome" data-good=${good ? 'true' : 'false'}>${entry.outcome}</span></td>
      </tr>
      <tr id=${detailId} class="audit-detail" hidden=${!open}>
        <td colspan="6">
          ${open && html`
            <dl class="audit-meta">
              <div><dt>Address</dt><dd>${entry.ip || '—'}</dd></div>
              <div><dt>Browser or client</dt><dd>${entry.userAgent || '—'}</dd></div>
              ${entry.target?.id && html`<div><dt>Target id</dt><dd><code>${entry.target.id}</code></dd></div>`}
            </dl>
            <${Diff} before=${entry.before} after=${entry.after} />`}
        </td>
      </tr>
    </tbody>
  `;
}

export function AuditTable({ entries }) {
  return html`
    <div class="table-wrap">
      <table class="table table-stack audit-table">
        <caption class="sr-only">Audit log entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col"><span class="sr-only">Details</span></th>
            <th scope="col">Time (${TIME_ZONE})</th><th scope="col">Who</th><th scope="col">Action</th>
            <th scope="col">Target</th><th scope="col">Outcome</th>
          </tr>
        </thead>
        ${entries.map((entry) => html`<${Entry} key=${entry.id} entry=${entry} />`)}
      </table>
    </div>
  `;
}
