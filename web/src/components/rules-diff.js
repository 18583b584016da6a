// What changed between two versions of a CLAUDE.md: unified (one column, removed lines then added ones) or side by
// side (the older version left, the newer right). Lines are text; the kind is also said in words for screen readers.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { rulesApi, sideBySide } from '../rules/api.js';

const SIGN = { insert: '+', delete: '−', equal: ' ' };
const SAID = { insert: 'Added: ', delete: 'Removed: ', equal: '' };

function Text({ line }) {
  return html`<td class="diff-text" data-kind=${line.kind}><span class="sr-only">${SAID[line.kind]}</span>${line.text}</td>`;
}

function Unified({ lines }) {
  return html`
    <table class="diff diff-unified">
      <caption class="sr-only">Changes, unified</caption>
      <tbody>
        ${lines.map((line, i) => html`
          <tr key=${i} data-kind=${line.kind}>
            <td class="diff-number" aria-hidden="true">${line.old ?? ''}</td>
            <td class="diff-number" aria-hidden="true">${line.new ?? ''}</td>
            <td class="diff-sign" aria-hidden="true">${SIGN[line.kind]}</td>
            <${Text} line=${line} />
          </tr>`)}
      </tbody>
    </table>
  `;
}

function Side({ line, number }) {
  if (!line) return html`<td class="diff-number" aria-hidden="true"></td><td class="diff-text diff-blank"></td>`;
  return html`<td class="diff-number" aria-hidden="true">${line[number] ?? ''}</td><${Text} line=${line} />`;
}

function SideBySide({ lines, from, to }) {
  return html`
    <table class="diff diff-split">
      <caption class="sr-only">Changes, side by side: version ${from} on the left, version ${to} on the right</caption>
      <tbody>
        ${sideBySide(lines).map((row, i) => html`
          <tr key=${i}>
            <${Side} line=${row.left} number="old" />
            <${Side} line=${row.right} number="new" />
          </tr>`)}
      </tbody>
    </table>
  `;
}

/** The diff from version `from` to `to` (fetched here); `onClose` puts it away. */
export function RulesDiff({ where, from, to, onClose }) {
  const [state, setState] = useState({ diff: null, error: null });
  const [split, setSplit] = useState(false);
  useEffect(() => {
    let live = true;
    setState({ diff: null, error: null });
    rulesApi.diff(where, from, to).then((diff) => live && setState({ diff, error: null }),
      (err) => live && setState({ diff: null, error: err.message }));
    return () => (live = false);
  }, [where.scope, where.projectId, from, to]);
  const { diff, error } = state;
  const same = diff && diff.lines.every((line) => line.kind === 'equal');
  return html`
    <section class="rules-panel" aria-labelledby="rules-diff-title" id="rules-diff">
      <div class="rules-panel-header">
        <h3 id="rules-diff-title">Changes from version ${from} to version ${to}</h3>
        <div class="form-actions">
          <button type="button" class="button button-small button-secondary" aria-pressed=${split ? 'true' : 'false'}
            onClick=${() => setSplit(!split)}>Side by side</button>
          <button type="button" class="button button-small button-secondary" onClick=${onClose}>Close</button>
        </div>
      </div>
      ${error && html`<p class="callout callout-bad" role="alert">${error}</p>`}
      ${!diff && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Comparing…</p>`}
      ${same && html`<p class="muted">The two versions are the same.</p>`}
      ${diff && !same && html`<div class="diff-wrap">${split
        ? html`<${SideBySide} lines=${diff.lines} from=${from} to=${to} />`
        : html`<${Unified} lines=${diff.lines} />`}</div>`}
    </section>
  `;
}
