// The commit box: the message (typed, or drafted by Claude from the staged diff with Generate) and Commit, which
// says why it cannot commit yet. A commit made shows its short sha.
import { useState } from 'preact/hooks';
import { gitApi } from '../git/api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

/** Why Commit cannot run now, or null. */
export function commitBlocker(status, message) {
  if (status.conflicts?.length) return 'Resolve the conflicts first: edit the files, then stage them.';
  const staged = status.files?.some((file) => file.staged);
  if (!staged && !status.merging) return 'Stage the changes to commit first.';
  if (!message.trim()) return 'Write a message, or let Claude draft one with Generate.';
  return null;
}

/** `git`: useGit(); `onCommitted(answer)` after a commit (the log reloads). */
export function GitCommit({ projectId, status, git, onCommitted }) {
  const [message, setMessage] = useState('');
  const [committed, setCommitted] = useState(null); // the Commit just made
  const busy = Boolean(git.busy);
  const generating = git.busy?.op === 'generate';
  const committing = git.busy?.op === 'commit';
  const blocker = commitBlocker(status, message);
  const nothingStaged = !status.files?.some((file) => file.staged);

  const generate = async () => {
    setCommitted(null);
    const answer = await git.run('generate', 'Drafting a message…', (options) => gitApi.generateMessage(projectId, options));
    if (answer?.message) setMessage(answer.message);
  };
  const commit = async (event) => {
    event?.preventDefault();
    if (blocker || busy) return;
    setCommitted(null);
    const answer = await git.run('commit', 'Committing…', (options) => gitApi.commit(projectId, message.trim(), options));
    if (!answer?.commit) return;
    setMessage('');
    setCommitted(answer.commit);
    onCommitted?.(answer);
  };
  const onKeyDown = (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) commit(event);
  };

  return html`
    <section class="card git-commit" aria-labelledby="git-commit-title">
      <div class="card-header">
        <h2 id="git-commit-title"><${Icon} name="check" size=${20} /> Commit</h2>
      </div>
      <form class="form" onSubmit=${commit}>
        <div class="field">
          <div class="git-message-label">
            <label for="git-message">Commit message</label>
            <button type="button" class="button button-small button-secondary" disabled=${busy || nothingStaged}
              aria-describedby="git-generate-hint" onClick=${generate}>
              ${generating ? html`<span class="spinner" aria-hidden="true"></span>` : html`<${Icon} name="sparkle" size=${16} />`}
              ${generating ? 'Generating…' : 'Generate'}
            </button>
          </div>
          <textarea id="git-message" class="input textarea git-message" rows="4" value=${message} disabled=${generating}
            placeholder="What changed, and why" aria-describedby="git-generate-hint git-commit-reason"
            onInput=${(event) => setMessage(event.currentTarget.value)} onKeyDown=${onKeyDown}></textarea>
          <p class="hint" id="git-generate-hint">${nothingStaged
            ? 'Generate asks Claude to draft a message from the staged changes: stage some first.'
            : 'Generate asks Claude to draft a message from the staged changes. Ctrl+Enter commits.'}</p>
        </div>
        <div class="git-commit-actions">
          <button type="submit" class="button button-primary" disabled=${Boolean(blocker) || busy}>
            ${committing && html`<span class="spinner" aria-hidden="true"></span>`}
            ${committing ? 'Committing…' : 'Commit'}
          </button>
          <p class="hint" id="git-commit-reason">${blocker || ''}</p>
        </div>
        <div class="flash" role="status" data-tone=${committed ? 'ok' : undefined}>${committed
          ? html`Committed <code class="git-sha">${committed.shortSha}</code>: ${committed.subject}`
          : ''}</div>
      </form>
    </section>
  `;
}
