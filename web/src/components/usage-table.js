// The Usage screen's numbers: one row per day, person, project, kind or model, with the period's totals; and the
// sessions that cost the most.
import { html } from '../html.js';
import { Link } from '../router.js';
import { dayText, money, tokens } from '../usage/format.js';

const COLUMNS = [
  ['requests', 'Requests'],
  ['inputTokens', 'Input'],
  ['outputTokens', 'Output'],
  ['cacheReadTokens', 'Cache read'],
  ['cacheWriteTokens', 'Cache write'],
];

const GROUP_HEADINGS = { day: 'Day', user: 'Person', project: 'Project', kind: 'Kind', model: 'Model' };

function rowLabel(row, groupBy) {
  if (groupBy === 'day') return dayText(row.key, { long: true });
  return row.label || row.key || '(none)';
}

/** Days in order; anything else with the largest cost first. */
function ordered(rows, groupBy) {
  const copy = [...rows];
  return groupBy === 'day'
    ? copy.sort((a, b) => String(a.key).localeCompare(String(b.key)))
    : copy.sort((a, b) => (b.costUsd || 0) - (a.costUsd || 0));
}

export function UsageTable({ summary }) {
  const { groupBy, rows, totals } = summary;
  return html`
    <div class="table-wrap">
      <table class="table table-stack usage-table">
        <caption class="sr-only">Tokens and cost by ${GROUP_HEADINGS[groupBy]?.toLowerCase() ?? groupBy}</caption>
        <thead>
          <tr>
            <th scope="col">${GROUP_HEADINGS[groupBy] ?? groupBy}</th>
            ${COLUMNS.map(([field, label]) => html`<th key=${field} scope="col" class="num">${label}</th>`)}
            <th scope="col" class="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          ${ordered(rows, groupBy).map((row) => html`
            <tr key=${row.key}>
              <th scope="row" class="cell-wrap">${rowLabel(row, groupBy)}</th>
              ${COLUMNS.map(([field, label]) => html`<td key=${field} class="num" data-label=${label}>${tokens(row[field])}</td>`)}
              <td class="num" data-label="Cost" data-cost=${row.costUsd}>${money(row.costUsd)}</td>
            </tr>`)}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            ${COLUMNS.map(([field, label]) => html`<td key=${field} class="num" data-label=${label}>${tokens(totals[field])}</td>`)}
            <td class="num" data-label="Cost">${money(totals.costUsd)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  `;
}

/** A chat of one's own opens in Chat; another person's is named only (their chats are theirs). */
function SessionName({ session, me }) {
  const label = session.label || 'Untitled chat';
  if (session.userId !== me.id || !session.projectId) return html`<span>${label}</span>`;
  const query = new URLSearchParams({ project: session.projectId, session: session.sessionId });
  return html`<${Link} href=${`/chat?${query}`}>${label}<//>`;
}

export function TopSessions({ sessions, me, names }) {
  if (!sessions.length) return html`<p class="card-empty">No chats or runs in this period.</p>`;
  const showOwner = sessions.some((session) => session.userId !== me.id);
  return html`
    <div class="table-wrap">
      <table class="table table-stack usage-top">
        <caption class="sr-only">The sessions that cost the most in this period</caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            ${showOwner && html`<th scope="col">Person</th>`}
            <th scope="col" class="num">Input</th><th scope="col" class="num">Output</th><th scope="col" class="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          ${sessions.map((session) => html`
            <tr key=${session.sessionId}>
              <th scope="row" class="cell-wrap"><${SessionName} session=${session} me=${me} /></th>
              ${showOwner && html`<td data-label="Person">${names.get(session.userId) ?? session.userId}</td>`}
              <td class="num" data-label="Input">${tokens(session.inputTokens)}</td>
              <td class="num" data-label="Output">${tokens(session.outputTokens)}</td>
              <td class="num" data-label="Cost">${money(session.costUsd)}</td>
            </tr>`)}
        </tbody>
      </table>
    </div>
  `;
}
