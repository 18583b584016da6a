// What went wrong with the last Git operation, in the server's words, and the way out when there is one: a push the
// remote refused because it moved on offers Pull; refused credentials offer to edit the remote.
import { html } from '../html.js';
import { Icon } from '../icons.js';

const TITLES = {
  push: 'The push did not go through',
  pull: 'The pull did not finish',
  fetch: 'The fetch did not go through',
  commit: 'Nothing was committed',
  generate: 'No message was drafted',
};

/** `problem`: `{ op, error }`; `on`: `pull()`, `editRemote()` (null when the caller may not), `dismiss()`. */
export function GitProblem({ problem, canWrite, on }) {
  const { op, error } = problem;
  const code = error.code;
  const pull = canWrite && code === 'push_rejected';
  const editRemote = on.editRemote && (code === 'remote_auth_failed' || code === 'no_remote');
  return html`
    <div class="callout callout-bad callout-row git-problem" role="alert" data-code=${code}>
      <${Icon} name="alert" size=${18} />
      <div class="git-problem-text">
        ${TITLES[op] && html`<p class="git-problem-title">${TITLES[op]}</p>`}
        <p>${error.message}</p>
        ${code === 'merge_conflict' && html`<p>The files in conflict are listed below.</p>`}
      </div>
      <div class="git-problem-actions">
        ${pull && html`<button type="button" class="button button-small button-primary" onClick=${on.pull}>Pull</button>`}
        ${editRemote && html`<button type="button" class="button button-small button-secondary" onClick=${on.editRemote}>
          Edit the remote</button>`}
        <button type="button" class="icon-button" aria-label="Dismiss" title="Dismiss" onClick=${on.dismiss}>
          <${Icon} name="close" size=${16} />
        </button>
      </div>
    </div>
  `;
}
