// The Files screen's dialogs: New folder, Rename / Move, Delete (asks first) and Discard unsaved changes.
// The server's refusal (a name taken, an invalid path) shows inside the dialog, which stays open.
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { joinPath } from '../files/paths.js';

const where = (folder) => (folder ? `${folder}/` : 'the top folder');

export function NewFolderDialog({ folder, onCreate, onClose }) {
  const { busy, error, setError, onSubmit } = useSubmit(async ({ name }) => {
    const clean = name.trim().replace(/^\/+|\/+$/g, '');
    if (!clean) return setError('Give the folder a name.');
    await onCreate(joinPath(folder, clean));
  });
  return html`
    <${Dialog} title="New folder" onClose=${onClose}>
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="new-folder-name" label="Folder name" name="name" required autocomplete="off" data-autofocus
          hint=${`Created in ${where(folder)}.`} />
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label="Create folder" busyLabel="Creating…" />
        </div>
      </form>
    <//>
  `;
}

export function MoveDialog({ node, onMove, onClose }) {
  const what = node.type === 'folder' ? 'folder' : 'file';
  const { busy, error, setError, onSubmit } = useSubmit(async ({ to }) => {
    const clean = to.trim().replace(/^\/+|\/+$/g, '');
    if (!clean) return setError(`Give the ${what} a path.`);
    if (clean === node.path) return onClose();
    await onMove(node, clean);
  });
  return html`
    <${Dialog} title=${`Rename or move ${node.name}`} onClose=${onClose}>
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="move-to" label="New path" name="to" defaultValue=${node.path} required autocomplete="off"
          spellcheck="false" data-autofocus class="input input-mono"
          hint=${`Change the name to rename the ${what}; change the folders before it to move it (e.g. archive/${node.name}).`} />
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label=${node.type === 'folder' ? 'Move folder' : 'Rename / Move'} busyLabel="Moving…" />
        </div>
      </form>
    <//>
  `;
}

export function DeleteDialog({ node, files, onDelete, onClose }) {
  const folder = node.type === 'folder';
  return html`
    <${ConfirmDialog} title=${`Delete ${node.name}?`} confirmLabel=${folder ? 'Delete folder' : 'Delete file'}
      busyLabel="Deleting…" onClose=${onClose} onConfirm=${() => onDelete(node)}>
      <p>${folder
        ? html`The folder <strong class="path">${node.path}/</strong> and everything in it
            (${files === 1 ? '1 file' : `${files} files`}) will be deleted.`
        : html`<strong class="path">${node.path}</strong> will be deleted from the project.`}</p>
      <p class="callout callout-bad">This cannot be undone.</p>
    <//>
  `;
}

export function DiscardDialog({ name, onDiscard, onClose }) {
  return html`
    <${Dialog} title="Discard your changes?" onClose=${onClose} tone="danger">
      <div class="form">
        <p>Your changes to <strong class="path">${name}</strong> are not saved yet.</p>
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose} data-autofocus>Keep editing</button>
          <button type="button" class="button button-danger" onClick=${onDiscard}>Discard changes</button>
        </div>
      </div>
    <//>
  `;
}
