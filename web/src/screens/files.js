// Files: a project's documents, uploaded here or written by Claude. Pick a project; browse its tree; upload by
// dropping files or choosing them (Word documents are converted to Markdown beside the original); open a file to
// read it (Markdown rendered, code highlighted, images shown), edit text, download, rename or move, and delete.
// The open file is in the URL (/files?project=…&path=…, replaced, not pushed), so a reload or a link comes back to it.
// Folders synced from cloud drives (the project's mounts, set up in /drives) are marked in the tree.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { rememberedProject, useProjects } from '../chat/projects.js';
import { DeleteDialog, DiscardDialog, MoveDialog, NewFolderDialog } from '../components/file-dialogs.js';
import { FileProjectPicker } from '../components/file-project-picker.js';
import { FileTree } from '../components/file-tree.js';
import { FileUploads, uploadStatus } from '../components/file-uploads.js';
import { FileViewer } from '../components/file-viewer.js';
import { mountsByFolder } from '../drives/format.js';
import { useMounts, useMountsSynced } from '../drives/mounts.js';
import { filesApi } from '../files/api.js';
import { FileIcon } from '../files/icons.js';
import { ancestorsOf, isWithin, joinPath, parentOf } from '../files/paths.js';
import { countFiles, findNode, useFileTree } from '../files/tree.js';
import { onUploadFinished, uploadFiles, useUploads } from '../files/uploads.js';
import { html } from '../html.js';
import { DRIVES } from '../paths.js';
import { Link } from '../router.js';

const FILES_PATH = '/files';

function readUrl() {
  const query = new URLSearchParams(window.location.search);
  return { projectId: query.get('project'), path: query.get('path') };
}

function fileLink(projectId, path) {
  const query = new URLSearchParams({ project: projectId, ...(path ? { path } : {}) });
  return `${FILES_PATH}?${query}`;
}

/** The open file in the URL, as the Chat screen keeps the open chat: only while one is open. */
function writeUrl(projectId, path) {
  if (window.location.pathname.replace(/\/+$/, '') !== FILES_PATH || !projectId) return;
  const next = path ? fileLink(projectId, path) : FILES_PATH;
  if (window.location.pathname + window.location.search !== next) window.history.replaceState(null, '', next);
}

const moved = (path, from, to) => (path && isWithin(path, from) ? to + path.slice(from.length) : path);
const folderName = (folder) => (folder ? `${folder}/` : 'the top folder');

function uploadMessage(added, target, folders) {
  const parts = [];
  if (added) parts.push(`Uploading ${added === 1 ? '1 file' : `${added} files`} to ${folderName(target)}.`);
  if (folders) parts.push(`Folders cannot be dropped here (${folders} left out): drop the files inside them.`);
  return parts.join(' ');
}

/** Whether the editor holds unsaved text; asks before `action` throws it away, and before the page unloads. */
function useUnsavedGuard(setDialog) {
  const dirty = useRef(false);
  useEffect(() => {
    const onUnload = (event) => {
      if (!dirty.current) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onUnload);
    return () => window.removeEventListener('beforeunload', onUnload);
  }, []);
  const guard = (name, action) => {
    if (!dirty.current) return action();
    setDialog({ kind: 'discard', name, then: () => {
      dirty.current = false;
      action();
    } });
  };
  return { dirty, guard };
}

export default function FilesScreen({ user }) {
  const projects = useProjects();
  const initial = useMemo(readUrl, []);
  const [chosen, setChosen] = useState(initial.projectId);
  const list = projects.projects || [];
  const project = list.find((p) => p.id === chosen) || list.find((p) => p.id === rememberedProject(user?.id)) || list[0] || null;
  const projectId = project?.id ?? null;
  const canWrite = Boolean(project?.canWrite);
  const [openPath, setOpenPath] = useState(initial.path);
  const [folder, setFolder] = useState(initial.path ? parentOf(initial.path) : '');
  const [expanded, setExpanded] = useState(() => new Set(initial.path ? ancestorsOf(initial.path) : []));
  const [dialog, setDialog] = useState(null); // { kind: 'new-folder' | 'move' | 'delete' | 'discard', … }
  const [flash, setFlash] = useState(null);
  const [announcement, setAnnouncement] = useState('');
  const [reloads, setReloads] = useState(0);
  const tree = useFileTree(projectId);
  const uploads = useUploads(projectId);
  const { dirty, guard } = useUnsavedGuard(setDialog);
  const mounts = useMounts(projectId); // the folders synced from cloud drives, marked in the tree
  const mounted = useMemo(() => mountsByFolder(mounts.items), [mounts.items]);
  useMountsSynced(projectId, mounts.items, tree.refresh);

  useEffect(() => writeUrl(projectId, openPath), [projectId, openPath]);

  const expand = (paths) => setExpanded((set) => new Set([...set, ...paths]));
  const changed = () => tree.refresh();
  const say = (tone, message) => setFlash({ tone, message });

  // Every upload that ends refreshes the tree; one that replaced the open file (not being edited) reloads it.
  useEffect(() => onUploadFinished((item) => {
    if (item.projectId !== projectId) return;
    tree.refresh();
    setAnnouncement(`${item.name}: ${uploadStatus(item)}`);
    if ((item.path === openPath || item.convertedPath === openPath) && !dirty.current) setReloads((n) => n + 1);
  }), [projectId, openPath, tree.refresh]);

  // Renaming or deleting what holds the file being edited would lose the edits: ask first.
  const guardOpen = (node, action) => (openPath && isWithin(openPath, node.path) ? guard(openPath, action) : action());
  const on = {
    pickProject: (id) => id !== projectId && guard(openPath, () => {
      setChosen(id);
      setOpenPath(null);
      setFolder('');
      setExpanded(new Set());
      setFlash(null);
    }),
    createProject: async (name) => {
      const created = await projects.create(name);
      on.pickProject(created.id);
    },
    file: (path) => {
      if (path === openPath) return;
      guard(openPath, () => {
        setOpenPath(path);
        setFolder(parentOf(path));
        expand(ancestorsOf(path));
      });
    },
    folder: (path) => {
      setFolder(path);
      if (!path) return;
      setExpanded((set) => {
        const next = new Set(set);
        if (next.has(path)) next.delete(path);
        else next.add(path);
        return next;
      });
    },
    upload: (target, files, folders) => {
      const added = files.length ? uploadFiles(projectId, target, files) : 0;
      if (target) expand([...ancestorsOf(target), target]);
      if (added || folders) say(added ? 'ok' : 'bad', uploadMessage(added, target, folders));
    },
    refresh: () => tree.refresh(),
    newFolder: () => setDialog({ kind: 'new-folder', folder }),
    rename: (node) => guardOpen(node, () => setDialog({ kind: 'move', node })),
    delete: (node) => guardOpen(node, () => setDialog({ kind: 'delete', node, files: countFiles(findNode(tree.tree, node.path) || node) })),
  };

  const createFolder = async (path) => {
    await filesApi.createFolder(projectId, path);
    setDialog(null);
    expand([...ancestorsOf(path), path]);
    setFolder(path);
    say('ok', `Created the folder ${folderName(path)}.`);
    changed();
  };
  const move = async (node, to) => {
    const { to: target = to } = await filesApi.move(projectId, node.path, to);
    setDialog(null);
    const open = moved(openPath, node.path, target);
    setOpenPath(open);
    setFolder(open !== openPath ? parentOf(open) : moved(folder, node.path, target));
    expand(ancestorsOf(open !== openPath ? open : target));
    say('ok', `Moved ${node.path} to ${target}.`);
    changed();
  };
  const remove = async (node) => {
    await filesApi.remove(projectId, node.path);
    setDialog(null);
    if (openPath && isWithin(openPath, node.path)) setOpenPath(null);
    if (isWithin(folder, node.path)) setFolder(parentOf(node.path));
    say('ok', `Deleted ${node.path}${node.type === 'folder' ? '/' : ''}.`);
    changed();
  };

  const markdownPath = openPath && findNode(tree.tree, `${openPath}.md`) ? `${openPath}.md` : null;
  const viewerOn = {
    open: on.file,
    changed,
    rename: on.rename,
    delete: on.delete,
    dirty: (value) => (dirty.current = value),
  };

  return html`
    <div class="page files-page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Files</h1>
        <p class="page-lead">A project’s documents, uploaded here or written by Claude. Word documents are converted to
          Markdown beside the original, so Claude can read them. Folders synced from cloud drives are set up
          in <${Link} href=${projectId ? `${DRIVES}?${new URLSearchParams({ project: projectId })}` : DRIVES}>Drives<//>.</p>
      </header>
      <${FileProjectPicker} projects=${projects} projectId=${projectId} onPick=${on.pickProject} onCreate=${on.createProject} />
      <div class="flash" role="status" data-tone=${flash?.tone}>${flash?.message || ''}</div>
      <div class="sr-only" role="status" aria-live="polite">${announcement}</div>
      ${project && html`
        <div class="files-layout">
          <div class="files-side">
            <${FileTree} tree=${tree.tree} error=${tree.error} refreshing=${tree.refreshing} canWrite=${canWrite}
              folder=${folder} openPath=${openPath} expanded=${expanded} mounts=${mounted} on=${on} />
            <${FileUploads} projectId=${projectId} uploads=${uploads} onOpen=${on.file} />
          </div>
          ${openPath
            ? html`<${FileViewer} key=${`${projectId}\n${openPath}\n${reloads}`} projectId=${projectId} path=${openPath}
                canWrite=${canWrite} markdownPath=${markdownPath} linkFor=${(path) => fileLink(projectId, path)} on=${viewerOn} />`
            : html`<section class="card file-viewer file-viewer-empty" aria-label="No file open">
                <${FileIcon} name="file" size=${28} /><p>Pick a file to read it here.</p></section>`}
        </div>`}
      ${dialog?.kind === 'new-folder' && html`<${NewFolderDialog} folder=${dialog.folder} onCreate=${createFolder}
        onClose=${() => setDialog(null)} />`}
      ${dialog?.kind === 'move' && html`<${MoveDialog} node=${dialog.node} onMove=${move} onClose=${() => setDialog(null)} />`}
      ${dialog?.kind === 'delete' && html`<${DeleteDialog} node=${dialog.node} files=${dialog.files} onDelete=${remove}
        onClose=${() => setDialog(null)} />`}
      ${dialog?.kind === 'discard' && html`<${DiscardDialog} name=${dialog.name}
        onDiscard=${() => { setDialog(null); dialog.then(); }} onClose=${() => setDialog(null)} />`}
    </div>
  `;
}
