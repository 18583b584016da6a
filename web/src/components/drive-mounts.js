// A project's drives (its mounts): each drive folder synced into a project folder, with its health (mounted,
// syncing, degraded with the reason, not mounted), when it last synced and what moved, the files changed on both
// sides, and Sync now / Edit / Remove for people who can change the project.
import { accessMode, health, syncSummary, vfsProfile } from '../drives/format.js';
import { providerType } from '../drives/kinds.js';
import { FileIcon } from '../files/icons.js';
import { DateText } from '../format.js';
import { html } from '../html.js';

export function HealthBadge({ status }) {
  const state = health(status);
  return html`<span class="badge drive-badge" data-tone=${state.tone} data-health=${status} title=${state.hint}>
    ${status === 'mounting' && html`<span class="spinner" aria-hidden="true"></span>`}${state.label}</span>`;
}

function Conflicts({ paths }) {
  if (!paths?.length) return null;
  return html`
    <div class="drive-conflicts">
      <p><strong>${paths.length === 1 ? '1 file was' : `${paths.length} files were`} changed on both sides.</strong> Both
        versions are kept: the drive’s is beside yours, with “(conflict … from drive)” in its name.</p>
      <ul aria-label="Files changed on both sides">${paths.map((path) => html`<li key=${path} class="git-path">${path}</li>`)}</ul>
    </div>`;
}

function MountItem({ mount, canWrite, syncing, on }) {
  const state = health(mount.healthStatus);
  const mode = accessMode(mount.accessMode);
  const summary = syncSummary(mount.lastSync);
  const busy = syncing || mount.healthStatus === 'mounting';
  const name = `${mount.path}/`;
  return html`
    <li class="drive-item drive-mount" data-mount=${mount.mountId} data-path=${mount.path}>
      <div class="drive-item-text">
        <p class="drive-item-title"><${FileIcon} name="folder" size=${16} /> <span class="drive-name git-path">${name}</span>
          <${HealthBadge} status=${mount.healthStatus} />
          <span class="badge" data-access=${mount.accessMode}>${mode.label}</span></p>
        <p class="hint drive-details">From <strong>${mount.connectionName || 'a deleted connection'}</strong>${
          mount.providerType ? ` (${providerType(mount.providerType).label})` : ''}, ${
          mount.remotePath ? html`folder <span class="git-path">${mount.remotePath}</span>` : 'the whole drive'} · ${
          vfsProfile(mount.vfsProfile).label} sync</p>
        ${mount.healthStatus === 'degraded' && html`<p class="drive-problem">${mount.lastError || state.hint}</p>`}
        ${mount.healthStatus !== 'degraded' && mount.lastError && html`<p class="hint">Last problem: ${mount.lastError}</p>`}
        <p class="hint">${mount.lastSyncAt
          ? html`Last synced <${DateText} value=${mount.lastSyncAt} ago />${summary ? ` · ${summary}` : ''}`
          : state.hint}</p>
        <${Conflicts} paths=${mount.lastSync?.conflicts} />
      </div>
      ${canWrite && html`
        <div class="drive-item-actions">
          <button type="button" class="button button-small button-secondary" disabled=${busy} onClick=${() => on.sync(mount)}>
            ${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Syncing…' : 'Sync now'}<span class="sr-only"> ${name}</span></button>
          <button type="button" class="button button-small button-secondary" onClick=${() => on.edit(mount)}>
            Edit<span class="sr-only"> ${name}</span></button>
          <button type="button" class="button button-small button-ghost-danger" onClick=${() => on.remove(mount)}>
            Remove<span class="sr-only"> ${name}</span></button>
        </div>`}
    </li>
  `;
}

/** `mounts` is useMounts(); `syncing` the ids whose Sync now is being sent; `on.sync|edit|remove(mount)`. */
export function DriveMounts({ mounts, canWrite, syncing, empty, on }) {
  const { items, error, reload } = mounts;
  return html`
    <section class="card" aria-labelledby="drive-mounts-title">
      <div class="card-header">
        <h2 id="drive-mounts-title" tabindex="-1"><${FileIcon} name="folder" size=${20} /> Drives in this project
          ${items && html`<span class="count">${items.length}</span>`}</h2>
        <button type="button" class="icon-button icon-button-boxed" aria-label="Refresh the drives" title="Refresh"
          onClick=${reload}><${FileIcon} name="refresh" size=${16} /></button>
      </div>
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>Could not load the project’s drives: ${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${reload}>Try again</button>
        </div>`}
      ${!items && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading drives…</p>`}
      ${items && !items.length && html`<div class="card-empty">${empty}</div>`}
      ${items?.length > 0 && html`
        <ul class="drive-list" aria-label="Drives in this project">
          ${items.map((m) => html`<${MountItem} key=${m.mountId} mount=${m} canWrite=${canWrite}
            syncing=${syncing.has(m.mountId)} on=${on} />`)}
        </ul>`}
    </section>
  `;
}
