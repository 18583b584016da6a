// The project's remotes (usually one, "origin"): where Push and Pull go, with the user name and the credential's last
// characters only: the token or password is sealed on the server and never sent back. The project's owner or an
// administrator adds, edits and removes them; anyone else sees them.
import { useState } from 'preact/hooks';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { gitApi } from '../git/api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

const KINDS = { token: 'Access token', password: 'Password' };
const CHOICES = { token: 'A token', password: 'A password' };

/** "…cdef": the secret's last characters (the server may or may not put the ellipsis in front). */
const ending = (hint) => `…${hint.replace(/^…/, '')}`;

function Credential({ remote }) {
  if (!remote.credential) return html`<span class="muted">No credential (a public repository)</span>`;
  const kind = KINDS[remote.credential].toLowerCase();
  return html`<span>${remote.username && html`<span class="username">${remote.username}</span> · `}${kind}${remote.hint
    ? ` ending ${ending(remote.hint)}` : ''}</span>`;
}

/** The body of PUT /api/git/remotes/{name}; a secret left empty is not sent (the stored one stays). */
export function remoteBody(values, kind) {
  const url = (values.url || '').trim();
  if (!url) throw new Error('Type the repository’s address, e.g. https://github.com/company/reports.git.');
  const body = { url, username: (values.username || '').trim() || null };
  const secret = values.secret || '';
  if (secret && kind === 'password' && !body.username) throw new Error('A password goes with a user name: type both.');
  if (secret) body[kind] = secret;
  return body;
}

/** Add (`remote` null) or edit a remote; `onSaved(remote)` once stored. */
export function RemoteDialog({ projectId, remote, onSaved, onClose }) {
  const [kind, setKind] = useState(remote?.credential || 'token');
  const { busy, error, onSubmit } = useSubmit(async (values) => {
    const name = remote?.name || (values.name || '').trim() || 'origin';
    onSaved(await gitApi.saveRemote(projectId, name, remoteBody(values, kind)));
  });
  const stored = remote?.credential && remote?.hint;
  return html`
    <${Dialog} title=${remote ? `Edit the remote ${remote.name}` : 'Add a remote'} onClose=${onClose}>
      <form class="form git-remote-form" onSubmit=${onSubmit} noValidate>
        ${!remote && html`<${Field} id="git-remote-name" label="Name" name="name" defaultValue="origin" autocomplete="off"
          spellcheck=${false} autocapitalize="none" hint="Push and Pull use “origin”." />`}
        <${Field} id="git-remote-url" label="Repository URL" name="url" type="url" defaultValue=${remote?.url || ''}
          autocomplete="off" spellcheck=${false} autocapitalize="none" placeholder="https://github.com/company/reports.git"
          hint="HTTPS, without a user name or password in it." data-autofocus />
        <${Field} id="git-remote-username" label="User name" name="username" optional defaultValue=${remote?.username || ''}
          autocomplete="off" spellcheck=${false} autocapitalize="none" />
        <fieldset class="fieldset git-credential">
          <legend>Credential</legend>
          <div class="segmented" role="radiogroup" aria-label="Kind of credential">
            ${Object.entries(CHOICES).map(([value, label]) => html`
              <label key=${value}><input type="radio" name="kind" value=${value} checked=${kind === value}
                onChange=${() => setKind(value)} /> ${label}</label>`)}
          </div>
          <${Field} id="git-remote-secret" label=${KINDS[kind]} name="secret" type="password" optional
            autocomplete="new-password" spellcheck=${false}
            hint=${stored ? `Stored: the ${KINDS[remote.credential].toLowerCase()} ending ${ending(remote.hint)}. Leave empty to keep it.`
              : 'Stored encrypted; only its last four characters are ever shown again. Leave empty for a public repository.'} />
        </fieldset>
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label="Save remote" busyLabel="Saving…" />
        </div>
      </form>
    <//>
  `;
}

export function RemoveRemoteDialog({ projectId, remote, onRemoved, onClose }) {
  const remove = async () => {
    await gitApi.removeRemote(projectId, remote.name);
    onRemoved(remote);
  };
  return html`
    <${ConfirmDialog} title=${`Remove the remote ${remote.name}?`} confirmLabel="Remove remote" busyLabel="Removing…"
      onConfirm=${remove} onClose=${onClose}>
      <p>Push and Pull stop working until a remote is added again, and its stored credential is deleted. The repository
        on the server is not touched.</p>
    <//>
  `;
}

/** `onEdit(remote | null)` opens the dialog (null: add); `onRemove(remote)` asks first. */
export function GitRemotes({ remotes = [], canManage, onEdit, onRemove }) {
  return html`
    <section class="card git-remotes" aria-labelledby="git-remotes-title">
      <div class="card-header">
        <h2 id="git-remotes-title"><${Icon} name="cloud" size=${20} /> Remote</h2>
        ${canManage && !remotes.length && html`<button type="button" class="button button-small button-secondary"
          onClick=${() => onEdit(null)}><${Icon} name="plus" size=${16} /> Add remote</button>`}
      </div>
      ${!remotes.length && html`<p class="card-lead">No remote yet. Add one to push your commits to GitHub, GitLab or
        any Git server over HTTPS${canManage ? '.' : ': the project’s owner or an administrator can.'}</p>`}
      ${remotes.length > 0 && html`
        <ul class="git-remote-list">
          ${remotes.map((remote) => html`
            <li key=${remote.name} class="git-remote" data-remote=${remote.name}>
              <div class="git-remote-text">
                <p><span class="badge badge-accent">${remote.name}</span> <span class="git-path">${remote.url}</span></p>
                <p class="hint"><${Credential} remote=${remote} /></p>
              </div>
              ${canManage && html`
                <div class="git-remote-actions">
                  <button type="button" class="button button-small button-secondary" onClick=${() => onEdit(remote)}>
                    Edit<span class="sr-only"> the remote ${remote.name}</span></button>
                  <button type="button" class="button button-small button-ghost-danger" onClick=${() => onRemove(remote)}>
                    Remove<span class="sr-only"> the remote ${remote.name}</span></button>
                </div>`}
            </li>`)}
        </ul>`}
    </section>
  `;
}
