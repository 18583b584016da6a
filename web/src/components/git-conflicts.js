// A pull that stopped on conflicts: the files both sides changed (each opens its diff, conflict markers included),
// how to finish the merge, and Abort merge (asked first) to go back to before the pull.
import { useState } from 'preact/hooks';
import { gitApi } from '../git/api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ConfirmDialog } from './confirm-dialog.js';

const HOW_TO_RESOLVE = 'Both sides changed these files in the same places. Open each in Files, keep what is right and '
  + 'remove the markers, then stage it here. When none is left, commit to finish the merge.';
const WHO_RESOLVES = 'Both sides changed these files in the same places. Someone who can edit the project resolves '
  + 'them, or aborts the merge.';

function AbortDialog({ onAbort, onClose }) {
  return html`
    <${ConfirmDialog} title="Abort the merge?" confirmLabel="Abort merge" busyLabel="Aborting…" onConfirm=${onAbort}
      onClose=${onClose}>
      <p>The files go back to how they were before the pull: the remote’s changes and any conflict you resolved are
        dropped. Nothing is lost on the remote; you can pull again later.</p>
    <//>
  `;
}

/** `onSelect(file)` opens a conflicted file's diff; `onAborted()` after the merge was aborted. */
export function GitConflicts({ projectId, status, canWrite, git, selection, onSelect, onAborted }) {
  const [asking, setAsking] = useState(false);
  const conflicts = status.conflicts || [];
  const abort = async () => {
    const answer = await git.run('abort', 'Aborting the merge…', (o) => gitApi.abortMerge(projectId, o),
      () => 'Aborted the merge: the files are as they were before the pull.');
    setAsking(false);
    if (answer) onAborted?.();
  };
  return html`
    <section class="card git-conflicts" aria-labelledby="git-conflicts-title">
      <div class="card-header">
        <h2 id="git-conflicts-title"><${Icon} name="alert" size=${20} />
          ${conflicts.length ? 'Merge conflicts' : 'Merge in progress'}</h2>
        ${canWrite && html`<button type="button" class="button button-small button-ghost-danger" disabled=${Boolean(git.busy)}
          onClick=${() => setAsking(true)}>Abort merge</button>`}
      </div>
      ${conflicts.length
        ? html`
          <p class="card-lead">${canWrite ? HOW_TO_RESOLVE : WHO_RESOLVES}</p>
          <ul class="git-files git-conflict-files" aria-labelledby="git-conflicts-title">
            ${conflicts.map((path) => {
              const selected = selection?.path === path && !selection?.staged;
              return html`
                <li key=${path} class="git-file" data-path=${path} data-state="conflicted" data-selected=${selected ? 'true' : 'false'}>
                  <button type="button" class="git-file-open" aria-current=${selected ? 'true' : undefined} title=${path}
                    onClick=${() => onSelect({ path, inStaged: false })}>
                    <span class="git-file-name git-path">${path}</span><span class="sr-only">: show the conflict</span>
                  </button>
                  <span class="badge git-badge" data-state="conflicted">Conflicted</span>
                </li>`;
            })}
          </ul>`
        : html`<p class="card-lead">Every conflict is resolved and staged: commit to finish the merge.</p>`}
      ${asking && html`<${AbortDialog} onAbort=${abort} onClose=${() => setAsking(false)} />`}
    </section>
  `;
}
