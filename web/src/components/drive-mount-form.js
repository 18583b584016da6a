// Adding a drive to a project (an authorized connection, the folder on the drive, the project folder, the access
// mode and sync profile, each choice with what it means), changing a drive's mode and profile, and removing it.
import { drivesApi } from '../drives/api.js';
import { ACCESS_MODES, VFS_PROFILES, cleanPath, connectionName, projectFolderProblem } from '../drives/format.js';
import { providerType } from '../drives/kinds.js';
import { Checkbox, Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

/** Radio buttons, one per choice, each with its one-line explanation. */
function Choices({ id, legend, name, choices, value }) {
  return html`
    <fieldset class="fieldset drive-choices">
      <legend>${legend}</legend>
      ${choices.map((c) => html`<${Checkbox} key=${c.value} id=${`${id}-${c.value}`} type="radio" name=${name}
        value=${c.value} label=${c.label} hint=${c.hint} defaultChecked=${c.value === value} />`)}
    </fieldset>
  `;
}

/** "Sales drive (Google Drive, alice@example.com)". */
const connectionLabel = (c) => `${connectionName(c)} (${[providerType(c.providerType).label, c.accountEmail].filter(Boolean).join(', ')})`;

function mountBody(values) {
  const path = cleanPath(values.path);
  const problem = projectFolderProblem(path);
  if (problem) throw new Error(problem);
  if (!values.connectionId) throw new Error('Connection: pick the drive to sync from.');
  const remotePath = cleanPath(values.remotePath);
  return {
    connectionId: values.connectionId,
    ...(remotePath ? { remotePath } : {}), // none: the drive's root
    path,
    accessMode: values.accessMode,
    vfsProfile: values.vfsProfile,
  };
}

/** `connections`: the authorized ones; `onAdded(mount)` with the server's answer. */
export function AddMountForm({ projectId, connections, onAdded }) {
  const { busy, error, onSubmit } = useSubmit(async (values, form) => {
    const mount = await drivesApi.addMount(projectId, mountBody(values));
    form.reset();
    onAdded(mount);
  });
  return html`
    <section class="card" aria-labelledby="drive-add-title">
      <div class="card-header">
        <h2 id="drive-add-title"><${Icon} name="plus" size=${20} /> Add a drive</h2>
      </div>
      <p class="card-lead">Sync a folder of a connected drive into this project, so Claude and everyone in the project
        can work with its files.</p>
      <form class="form drive-form" onSubmit=${onSubmit} noValidate>
        <div class="field">
          <label for="drive-add-connection">Connection</label>
          <select id="drive-add-connection" class="input" name="connectionId">
            ${connections.map((c) => html`<option key=${c.connectionId} value=${c.connectionId}>${connectionLabel(c)}</option>`)}
          </select>
        </div>
        <div class="drive-form-row">
          <${Field} id="drive-add-remote" name="remotePath" label="Folder on the drive" optional autocomplete="off"
            spellcheck=${false} autocapitalize="none" placeholder="Reports/2026" hint="Empty: the whole drive (or bucket)." />
          <${Field} id="drive-add-path" name="path" label="Project folder" required autocomplete="off"
            spellcheck=${false} placeholder="Drives/Reports" hint="Where its files appear in the project. A new folder is best." />
        </div>
        <${Choices} id="drive-add-access" legend="Access" name="accessMode" choices=${ACCESS_MODES} value="read-only" />
        <${Choices} id="drive-add-profile" legend="Sync profile" name="vfsProfile" choices=${VFS_PROFILES} value="default" />
        <${FormError} message=${error} />
        <div class="form-actions">
          <${SubmitButton} busy=${busy} label="Add drive" busyLabel="Adding…" />
        </div>
      </form>
    </section>
  `;
}

export function EditMountDialog({ projectId, mount, onSaved, onClose }) {
  const { busy, error, onSubmit } = useSubmit(async (values) => {
    const body = { accessMode: values.accessMode, vfsProfile: values.vfsProfile };
    onSaved(await drivesApi.updateMount(projectId, mount.mountId, body));
  });
  return html`
    <${Dialog} title=${`Edit ${mount.path}/`} onClose=${onClose}>
      <form class="form drive-form" onSubmit=${onSubmit}>
        <p class="hint">From ${mount.connectionName || 'a deleted connection'}${mount.remotePath ? `, folder ${mount.remotePath}` : ''}. The change
          applies from the next sync.</p>
        <${Choices} id="drive-edit-access" legend="Access" name="accessMode" choices=${ACCESS_MODES} value=${mount.accessMode} />
        <${Choices} id="drive-edit-profile" legend="Sync profile" name="vfsProfile" choices=${VFS_PROFILES} value=${mount.vfsProfile} />
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label="Save" busyLabel="Saving…" />
        </div>
      </form>
    <//>
  `;
}

export function RemoveMountDialog({ projectId, mount, onRemoved, onClose }) {
  const remove = async () => {
    await drivesApi.removeMount(projectId, mount.mountId);
    onRemoved(mount);
  };
  return html`
    <${ConfirmDialog} title=${`Remove the drive folder ${mount.path}/?`} confirmLabel="Remove drive" busyLabel="Removing…"
      onConfirm=${remove} onClose=${onClose}>
      <p>The project stops syncing with ${mount.connectionName || 'the drive'}. The files already in ${mount.path}/ stay in the project
        (delete them in Files if you no longer need them), and nothing on the drive is deleted.</p>
    <//>
  `;
}
