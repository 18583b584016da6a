// One changed file's diff: staged (what the next commit holds) or not, added lines green and removed ones red, the
// kind also said in words for screen readers; a binary file, a diff cut at its size limit and a conflicted file say
// so instead of (or above) the lines.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { countChanges, parseDiff } from '../git/diff.js';
import { gitApi } from '../git/api.js';
import { html } from '../html.js';

const SIGN = { insert: '+', delete: '−', equal: ' ' };
const SAID = { insert: 'Added: ', delete: 'Removed: ', equal: '' };
// Header lines that repeat what the viewer's title already says.
const REDUNDANT = /^(diff --git |diff --cc |diff --combined |index |--- |\+\+\+ )/;

function DiffLines({ lines, path }) {
  return html`
    <div class="diff-wrap git-diff-wrap" tabindex="0" aria-label=${`Diff of ${path}`}>
      <table class="diff diff-unified git-diff">
        <caption class="sr-only">Changes in ${path}</caption>
        <tbody>
          ${lines.map((line, i) => {
            if (line.kind === 'hunk' || line.kind === 'meta' || line.kind === 'note') {
              return html`<tr key=${i} data-kind=${line.kind}><td colspan="4" class="git-diff-aside">${line.text}</td></tr>`;
            }
            return html`
              <tr key=${i} data-kind=${line.kind}>
                <td class="diff-number" aria-hidden="true">${line.old ?? ''}</td>
                <td class="diff-number" aria-hidden="true">${line.new ?? ''}</td>
                <td class="diff-sign" aria-hidden="true">${SIGN[line.kind]}</td>
                <td class="diff-text" data-kind=${line.kind}><span class="sr-only">${SAID[line.kind]}</span>${line.text}</td>
              </tr>`;
          })}
        </tbody>
      </table>
    </div>
  `;
}

/** `{ diff, error }` for the file, read again when `revision` changes. */
function useDiff(projectId, path, staged, revision) {
  const [state, setState] = useState({ diff: null, error: null });
  useEffect(() => {
    let live = true;
    setState({ diff: null, error: null });
    gitApi.diff(projectId, path, staged).then((diff) => live && setState({ diff, error: null }),
      (err) => live && setState({ diff: null, error: err.message }));
    return () => (live = false);
  }, [projectId, path, staged, revision]);
  return state;
}

/** `selection`: `{ path, staged }`; `onClose` puts the viewer away. */
export function GitDiff({ projectId, selection, revision, onClose }) {
  const { path, staged } = selection;
  const { diff, error } = useDiff(projectId, path, staged, revision);
  const lines = useMemo(() => parseDiff(diff?.diff).filter((l) => !(l.kind === 'meta' && REDUNDANT.test(l.text))), [diff]);
  const { added, removed } = countChanges(lines);
  const card = useRef(null);
  useEffect(() => {
    // One column (a phone): the diff is below the list, so bring it into view when another file is picked.
    if (window.matchMedia?.('(max-width: 960px)').matches) card.current?.scrollIntoView({ block: 'start' });
  }, [path, staged]);
  return html`
    <section ref=${card} class="card git-diff-card" aria-labelledby="git-diff-title" data-path=${path} data-staged=${staged ? 'true' : 'false'}>
      <div class="card-header git-diff-header">
        <div class="git-diff-heading">
          <h2 id="git-diff-title" tabindex="-1"><span class="git-path">${path}</span></h2>
          <p class="git-diff-meta">
            <span class="badge">${staged ? 'Staged' : 'Not staged'}</span>
            ${diff && !diff.binary && html` <span class="git-count-added">+${added}</span> <span class="git-count-removed">−${removed}</span>
              <span class="sr-only">: ${added} lines added, ${removed} removed</span>`}
          </p>
        </div>
        <button type="button" class="button button-small button-secondary" onClick=${onClose}>Close<span class="sr-only"> the diff</span></button>
      </div>
      ${error && html`<p class="callout callout-bad" role="alert">${error}</p>`}
      ${!diff && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading the diff…</p>`}
      ${diff?.conflicted && html`<p class="callout callout-warn">This file has conflicts: the lines
        between <code>${'<<<<<<<'}</code> and <code>${'>>>>>>>'}</code> are both sides. Edit the file in Files to keep
        what is right, then stage it.</p>`}
      ${diff?.truncated && html`<p class="callout callout-warn">This diff is too long to show whole: only its beginning is here.</p>`}
      ${diff?.binary && html`<p class="callout git-diff-binary">A binary file: there are no lines to compare.</p>`}
      ${diff && !diff.binary && !lines.length && html`<p class="muted">No differences in the text (an empty file, or only its mode changed).</p>`}
      ${diff && !diff.binary && lines.length > 0 && html`<${DiffLines} lines=${lines} path=${path} />`}
    </section>
  `;
}
