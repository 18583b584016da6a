// The Files screen's tree panel: the project's folders (expand / collapse) and files with their size and when they
// changed, the upload target ("Upload to", which follows the selected folder), the file picker, the drop zone (the
// whole panel; a folder row takes a drop itself), and "Show hidden files". Each row: its name (cut with an ellipsis,
// the full path in its title), its size and date, then its actions in a column of their own (shown on hover or
// focus, always on touch screens), so they never cover the size and date. The folders Sasha Studio manages
// (.claude, .sasha, .git) and what is in them offer no Rename or Delete.
import { useRef, useState } from 'preact/hooks';
import { FileIcon } from '../files/icons.js';
import { formatBytes } from '../files/paths.js';
import { countFiles } from '../files/tree.js';
import { foldersOf, isManaged } from '../files/visibility.js';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes('Files');

/** The dropped files, and how many dropped folders were left out (a folder arrives as an empty pseudo-file). */
function droppedFiles(transfer) {
  const items = [...(transfer.items || [])].filter((item) => item.kind === 'file');
  if (!items.length) return { files: [...transfer.files], folders: 0 };
  const isFolder = (item) => Boolean(item.webkitGetAsEntry?.()?.isDirectory);
  const files = items.filter((item) => !isFolder(item)).map((item) => item.getAsFile()).filter(Boolean);
  return { files, folders: items.filter(isFolder).length };
}

function RowActions({ node, onRename, onDelete }) {
  const label = node.type === 'folder' ? `folder ${node.name}` : node.name;
  if (isManaged(node.path)) {
    return html`<span class="file-row-actions file-row-managed" title="Managed by Sasha Studio: it can't be renamed or deleted here">
      <${FileIcon} name="lock" size=${14} /><span class="sr-only">Managed by Sasha Studio</span></span>`;
  }
  return html`
    <span class="file-row-actions">
      <button type="button" class="icon-button" aria-label=${`Rename or move ${label}`} title="Rename or move"
        onClick=${() => onRename(node)}><${FileIcon} name="edit" size=${15} /></button>
      <button type="button" class="icon-button icon-button-danger" aria-label=${`Delete ${label}`} title="Delete"
        onClick=${() => onDelete(node)}><${FileIcon} name="trash" size=${15} /></button>
    </span>
  `;
}

/** A folder synced from a cloud drive: a cloud, and "read-only" when changes here are not sent back to it. */
function MountBadge({ mount }) {
  const readOnly = mount.accessMode === 'read-only';
  return html`<span class="badge file-mount" data-access=${mount.accessMode} title=${`Synced from ${mount.connectionName || 'a cloud drive'}`}>
    <${Icon} name="cloud" size=${12} /> ${readOnly ? 'Drive · read-only' : 'Drive'}</span>`;
}

function FolderNode({ node, depth, view }) {
  const open = view.expanded.has(node.path);
  const files = countFiles(node);
  const mount = view.mounts?.get(node.path);
  return html`
    <li class="file-node" data-folder=${node.path} data-drop=${view.dropFolder === node.path ? 'true' : 'false'}>
      <div class="file-row" style=${`--depth: ${depth}`} data-selected=${view.folder === node.path ? 'true' : 'false'}>
        <button type="button" class="file-row-open" aria-expanded=${open ? 'true' : 'false'} onClick=${() => view.onFolder(node.path)}>
          <span class="file-chevron" data-open=${open ? 'true' : 'false'}><${FileIcon} name="chevron" size=${14} /></span>
          <${FileIcon} name="folder" size=${16} />
          <span class="file-name" title=${`${node.path}/`}>${node.name}</span>
        </button>
        ${mount && html`<${MountBadge} mount=${mount} />`}
        <span class="file-row-meta">${files === 1 ? '1 file' : `${files} files`}</span>
        ${view.canWrite && html`<${RowActions} node=${node} onRename=${view.onRename} onDelete=${view.onDelete} />`}
      </div>
      ${open && html`<${Children} nodes=${node.children} depth=${depth + 1} view=${view} />`}
    </li>
  `;
}

function FileNode({ node, depth, view }) {
  const current = view.openPath === node.path;
  return html`
    <li class="file-node">
      <div class="file-row" style=${`--depth: ${depth}`} data-current=${current ? 'true' : 'false'}>
        <button type="button" class="file-row-open" aria-current=${current ? 'true' : undefined} data-path=${node.path}
          onClick=${() => view.onFile(node.path)}>
          <span class="file-chevron"></span>
          <${FileIcon} name=${node.name.endsWith('.md') ? 'file-text' : 'file'} size=${16} />
          <span class="file-name" title=${node.path}>${node.name}</span>
        </button>
        <span class="file-row-meta">${formatBytes(node.size)} · <${DateText} value=${node.modifiedAt} ago /></span>
        ${view.canWrite && html`<${RowActions} node=${node} onRename=${view.onRename} onDelete=${view.onDelete} />`}
      </div>
    </li>
  `;
}

function Children({ nodes, depth, view }) {
  if (!nodes.length) return html`<p class="file-folder-empty" style=${`--depth: ${depth}`}>Empty folder</p>`;
  return html`
    <ul class="file-list" role="list">
      ${nodes.map((node) => node.type === 'folder'
        ? html`<${FolderNode} key=${`d:${node.path}`} node=${node} depth=${depth} view=${view} />`
        : html`<${FileNode} key=${`f:${node.path}`} node=${node} depth=${depth} view=${view} />`)}
    </ul>
  `;
}

/** Where dragged files would land: the folder row under the pointer (not a managed one), else the upload target. */
function dropFolderOf(event, fallback) {
  const row = event.target.closest?.('[data-folder]');
  const folder = row?.getAttribute('data-folder');
  return folder && !isManaged(folder) ? folder : fallback;
}

const folderLabel = (path) => (path ? `${path}/` : 'the top folder');

/** "Upload to": where the next upload goes, the selected folder unless another is picked here. */
function UploadTarget({ root, target, onPick }) {
  const choices = foldersOf(root).filter((path) => !isManaged(path));
  if (target && !choices.includes(target)) choices.unshift(target); // not in the tree yet (just made, or refreshing)
  return html`
    <div class="file-upload-target">
      <label for="files-upload-target">Upload to</label>
      <select id="files-upload-target" class="input input-small" value=${target}
        aria-describedby="files-upload-target-hint" onChange=${(e) => onPick(e.currentTarget.value)}>
        <option value="">Top folder</option>
        ${choices.map((path) => html`<option key=${path} value=${path}>${path}/</option>`)}
      </select>
      <span class="muted" id="files-upload-target-hint">Follows the folder you select.</span>
    </div>
  `;
}

/**
 * `root`: the tree's root as shown (hidden entries left out unless `showHidden`; `hiddenCount` of them);
 * `target`: where uploads go; `mounts`: the project's drive folders by path (drives/format.js `mountsByFolder`).
 */
export function FileTree({
  tree, root, hiddenCount, showHidden, error, refreshing, canWrite, folder, target, openPath, expanded, mounts, on,
}) {
  const input = useRef(null);
  const depth = useRef(0);
  const [dropFolder, setDropFolder] = useState(null); // the folder a drag would land in, while one is over the panel

  const drag = {
    onDragEnter: (event) => {
      if (!canWrite || !hasFiles(event)) return;
      event.preventDefault();
      depth.current += 1;
      setDropFolder(dropFolderOf(event, target));
    },
    onDragOver: (event) => {
      if (!canWrite || !hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      const next = dropFolderOf(event, target);
      if (next !== dropFolder) setDropFolder(next);
    },
    onDragLeave: () => {
      depth.current = Math.max(0, depth.current - 1);
      if (!depth.current) setDropFolder(null);
    },
    onDrop: (event) => {
      if (!canWrite || !hasFiles(event)) return;
      event.preventDefault();
      depth.current = 0;
      setDropFolder(null);
      const { files, folders } = droppedFiles(event.dataTransfer);
      on.upload(dropFolderOf(event, target), files, folders);
    },
  };
  const pick = (event) => {
    const files = [...event.currentTarget.files];
    event.currentTarget.value = ''; // choosing the same file again still fires change
    if (files.length) on.upload(target, files, 0);
  };
  const view = {
    canWrite, folder, openPath, expanded, dropFolder, mounts,
    onFolder: on.folder, onFile: on.file, onRename: on.rename, onDelete: on.delete,
  };

  return html`
    <section class="card file-panel" aria-labelledby="files-tree-title" aria-describedby="files-drop-hint"
      data-dragging=${dropFolder !== null ? 'true' : 'false'} ...${drag}>
      <div class="card-header">
        <h2 id="files-tree-title"><${FileIcon} name="files" size=${20} /> Files
          ${tree && html`<span class="count" aria-hidden="true" title="Files in the project">${tree.fileCount}</span>`}</h2>
        <div class="card-actions">
          <button type="button" class="icon-button icon-button-boxed" aria-label="Refresh the files" title="Refresh"
            onClick=${on.refresh} aria-busy=${refreshing ? 'true' : 'false'}><${FileIcon} name="refresh" size=${16} /></button>
          ${canWrite && html`
            <button type="button" class="button button-small button-secondary" onClick=${on.newFolder}>
              <${FileIcon} name="folder-plus" size=${16} /> New folder</button>
            <button type="button" class="button button-small button-primary" onClick=${() => input.current?.click()}>
              <${FileIcon} name="upload" size=${16} /> Upload files</button>
            <input ref=${input} type="file" multiple hidden id="files-picker" aria-label="Choose files to upload" onChange=${pick} />`}
        </div>
      </div>
      ${canWrite && html`
        <${UploadTarget} root=${root} target=${target} onPick=${on.target} />
        <p class="file-drop-hint" id="files-drop-hint">
          ${dropFolder !== null
            ? html`<strong>Drop to upload to ${folderLabel(dropFolder)}</strong>`
            : html`Drop files on this panel (or on a folder) or choose them with Upload files.`}
        </p>`}
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>Could not load the files: ${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${on.refresh}>Try again</button>
        </div>`}
      ${!tree && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading files…</p>`}
      ${tree && !root.children.length && html`
        <p class="card-empty file-empty">${`${tree.root.children.length ? 'Only hidden files so far' : 'No files yet'} — ${
          canWrite ? 'drop files here or choose them.' : 'nobody has added any.'}`}</p>`}
      ${root?.children.length > 0 && html`
        <nav class="file-tree" aria-label="Project files"><${Children} nodes=${root.children} depth=${0} view=${view} /></nav>`}
      <div class="file-tree-footer">
        ${tree && tree.fileCount > 0 && html`<p class="file-total muted">
          ${tree.fileCount === 1 ? '1 file' : `${tree.fileCount} files`} · ${formatBytes(tree.totalBytes)}</p>`}
        ${tree && html`
          <label class="file-hidden-toggle">
            <input type="checkbox" checked=${showHidden} onChange=${(e) => on.showHidden(e.currentTarget.checked)} />
            Show hidden files${!showHidden && hiddenCount ? ` (${hiddenCount})` : ''}
          </label>`}
      </div>
    </section>
  `;
}
