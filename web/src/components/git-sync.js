// Push, Pull and Fetch, with how far the branch is ahead of and behind its remote; while one runs, the transfer's
// phase and percentage as its job reports them (announced politely to screen readers).
import { syncSummary } from '../git/status.js';
import { html } from '../html.js';

export const SYNC_LABELS = { push: 'Pushing…', pull: 'Pulling…', fetch: 'Fetching…' };

function Counts({ status }) {
  if (!status.upstream) return null;
  return html`
    <span class="git-counts" aria-hidden="true" title=${`${status.ahead ?? 0} to push, ${status.behind ?? 0} to pull`}>
      <span class="badge" data-direction="ahead">↑ ${status.ahead ?? 0}</span>
      <span class="badge" data-direction="behind">↓ ${status.behind ?? 0}</span>
    </span>
  `;
}

/** " Writing objects: 45%" from a `git.progress` event's phase and percentage ('' before the first). */
function transfer(progress) {
  if (!progress) return '';
  const percent = progress.percent === null ? '' : `${progress.percent}%`;
  return ` ${[progress.phase, percent].filter(Boolean).join(': ')}`;
}

/** What runs now (any operation), and a sync's transfer phase and percentage with a bar. */
function Progress({ busy, progress }) {
  const syncing = busy && SYNC_LABELS[busy.op];
  const percent = progress?.percent ?? null;
  return html`
    <div class="git-progress" role="status" aria-live="polite" data-active=${busy ? 'true' : 'false'} data-op=${busy?.op}>
      ${busy && html`
        <p class="git-progress-text">
          <span class="spinner" aria-hidden="true"></span>
          ${busy.label}${syncing ? transfer(progress) : ''}
        </p>`}
      ${syncing && (percent === null
        ? html`<progress key="waiting" class="git-progress-bar" max="100" aria-label="Transfer progress"></progress>`
        : html`<progress key="known" class="git-progress-bar" max="100" value=${percent} aria-label="Transfer progress"></progress>`)}
    </div>
  `;
}

/** `onSync(op)` runs 'push' | 'pull' | 'fetch'. */
export function GitSync({ status, canWrite, git, onSync }) {
  const busy = Boolean(git.busy);
  const noRemote = !status.remotes?.length;
  const reason = noRemote ? 'Add a remote (below) to push and pull.'
    : status.merging ? 'Finish or abort the merge before pulling or pushing.' : '';
  const running = (op) => git.busy?.op === op;
  const button = (op, label, tone = 'secondary') => html`
    <button type="button" class=${`button button-${tone}`} disabled=${busy || noRemote || (status.merging && op !== 'fetch')}
      aria-describedby="git-sync-summary" onClick=${() => onSync(op)}>
      ${running(op) && html`<span class="spinner" aria-hidden="true"></span>`}${label}
    </button>`;
  return html`
    <div class="git-sync">
      <p class="git-sync-summary" id="git-sync-summary"><${Counts} status=${status} /> <span>${syncSummary(status)}</span></p>
      ${canWrite && html`
        <div class="git-sync-actions">
          ${button('fetch', 'Fetch')}
          ${button('pull', 'Pull')}
          ${button('push', 'Push', status.ahead > 0 || (!status.upstream && status.head) ? 'primary' : 'secondary')}
        </div>
        ${reason && html`<p class="hint">${reason}</p>`}`}
      <${Progress} busy=${git.busy} progress=${git.progress} />
    </div>
  `;
}
