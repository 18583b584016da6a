// The administrator's dialogs for one account: create, edit, delete. Server errors show inside the dialog.
import { api } from '../api.js';
import { Checkbox, Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

function Actions({ busy, label, busyLabel, tone, onClose }) {
  return html`
    <div class="dialog-actions">
      <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
      <${SubmitButton} busy=${busy} label=${label} busyLabel=${busyLabel} tone=${tone} />
    </div>
  `;
}

export function CreateUserDialog({ onClose, onCreated }) {
  const { busy, error, onSubmit } = useSubmit(async (values) => {
    const user = await api.post('/api/admin/users', {
      username: values.username.trim(),
      email: values.email.trim() || null,
      password: values.password,
      isAdmin: values.isAdmin === 'on',
    });
    onCreated(user);
  });
  return html`
    <${Dialog} title="New user" onClose=${onClose}>
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="new-user-username" label="Username" name="username" required autocomplete="off"
          autocapitalize="none" spellcheck="false" data-autofocus hint="3 to 64 characters: letters, digits, “.”, “_” or “-”." />
        <${Field} id="new-user-email" label="Email" name="email" type="email" optional autocomplete="off"
          hint="Needed for a welcome email and to reset a forgotten password." />
        <${Field} id="new-user-password" label="Password" name="password" type="password" required minlength="8"
          autocomplete="new-password" hint="At least 8 characters. Share it with them safely; they can change it later." />
        <${Checkbox} id="new-user-admin" name="isAdmin" label="Administrator"
          hint="Administrators manage users and the AI provider." />
        <${FormError} message=${error} />
        <${Actions} busy=${busy} label="Create user" busyLabel="Creating…" onClose=${onClose} />
      </form>
    <//>
  `;
}

/** Only the fields that changed: PATCH leaves the others alone. */
function changes(user, values, isSelf) {
  const body = {};
  const email = values.email.trim() || null;
  if (email !== (user.email || null)) body.email = email;
  if ((values.isAdmin === 'on') !== user.isAdmin) body.isAdmin = values.isAdmin === 'on';
  if (!isSelf && (values.isActive === 'on') !== user.isActive) body.isActive = values.isActive === 'on';
  if (!isSelf && values.password) body.password = values.password;
  return body;
}

export function EditUserDialog({ user, isSelf, onClose, onSaved }) {
  const { busy, error, onSubmit } = useSubmit(async (values) => {
    const body = changes(user, values, isSelf);
    if (!Object.keys(body).length) return onClose();
    onSaved(await api.patch(`/api/admin/users/${encodeURIComponent(user.id)}`, body));
  });
  return html`
    <${Dialog} title=${`Edit ${user.username}`} onClose=${onClose}>
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="edit-user-email" label="Email" name="email" type="email" optional autocomplete="off"
          defaultValue=${user.email || ''} data-autofocus />
        <${Checkbox} id="edit-user-admin" name="isAdmin" label="Administrator" defaultChecked=${user.isAdmin}
          hint=${isSelf ? 'If you remove this, you lose access to this page.' : 'Can manage users and the AI provider.'} />
        <${Checkbox} id="edit-user-active" name="isActive" label="Active" defaultChecked=${user.isActive}
          disabled=${isSelf}
          hint=${isSelf ? 'You cannot disable your own account.' : 'A disabled account cannot sign in; its sessions end at once.'} />
        ${isSelf
          ? html`<p class="hint">To change your own password, use Settings → Your account.</p>`
          : html`<${Field} id="edit-user-password" label="New password" name="password" type="password" optional
              minlength="8" autocomplete="new-password"
              hint="Leave empty to keep the current one. A new password signs them out everywhere." />`}
        <${FormError} message=${error} />
        <${Actions} busy=${busy} label="Save changes" busyLabel="Saving…" onClose=${onClose} />
      </form>
    <//>
  `;
}

export function DeleteUserDialog({ user, onClose, onDeleted }) {
  const remove = async () => {
    await api.delete(`/api/admin/users/${encodeURIComponent(user.id)}`);
    onDeleted(user);
  };
  return html`
    <${ConfirmDialog} title=${`Delete ${user.username}?`} confirmLabel=${`Delete ${user.username}`} busyLabel="Deleting…"
      onClose=${onClose} onConfirm=${remove}>
      <p>
        This deletes the account <strong class="username">${user.username}</strong> and everything it owns: its
        projects, files, chats, schedules, meetings, API keys and settings.
      </p>
      <p class="callout callout-bad">This cannot be undone.</p>
    <//>
  `;
}
