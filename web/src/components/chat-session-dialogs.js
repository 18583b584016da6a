// Renaming and deleting a chat session; the server's message shows inside the dialog when it refuses.
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

export function RenameSessionDialog({ session, onRename, onClose }) {
  const { busy, error, setError, onSubmit } = useSubmit(async ({ title }) => {
    const clean = title.trim();
    if (!clean) return setError('Give the chat a title.');
    if (clean !== session.title) await onRename(session.id, clean);
    onClose();
  });
  return html`
    <${Dialog} title="Rename chat" onClose=${onClose}>
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="rename-session-title" label="Title" name="title" defaultValue=${session.title} required
          maxlength="200" autocomplete="off" data-autofocus />
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label="Rename" busyLabel="Renaming…" />
        </div>
      </form>
    <//>
  `;
}

export function DeleteSessionDialog({ session, onDelete, onClose }) {
  const remove = async () => {
    await onDelete(session.id);
    onClose();
  };
  return html`
    <${ConfirmDialog} title="Delete this chat?" confirmLabel="Delete chat" busyLabel="Deleting…" onClose=${onClose}
      onConfirm=${remove}>
      <p>“<strong class="username">${session.title}</strong>” and its whole history will be deleted. The
        project’s files stay as they are.</p>
      <p class="callout callout-bad">This cannot be undone.</p>
    <//>
  `;
}
