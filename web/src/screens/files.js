// Files: a project's documents, uploaded here or written by Claude. Pick a project; browse its tree; upload by
// dropping files or choosing them (Word documents are converted to Markdown beside the original); open a file to
// read it (Markdown rendered, code highlighted, images shown), edit text, download, rename or move, and delete.
// The project and the open file are in the URL (/files?project=…&path=…, replaced, not pushed), so a reload or a
// link comes back to them.
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
import { ACTIVE, onUploadFinished, uploadFiles, useUploads } from '../files/uploads.js';
import { isManaged, useShowHidden, visibleTree } from '../files/visibility.js';
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

/** The project and the open file in the URL, as the Chat screen keeps the open chat: a reload comes back to them. */
function writeUrl(projectId, path) {
  if (window.location.pathname.replace(/\/+$/, '') !== FILES_PATH || !projectId) return;
  const next = fileLink(projectId, path);
  if (window.location.pathname + window.location.search !== next) window.history.replaceState(null, '', next);
}

const moved = (path, from, to) => (path && isWithin(path, from) ? to + path.slice(from.length) : path);
const folderName = (folder) => (folder ? `${folder}/` : 'the top folder');

const filesWord = (n) => (n === 1 ? '1 file' : `${n} files`);
const FLASH_CLEARS_MS = 6000; // a result that went well clears itself; a problem stays until dismissed

function uploadMessage(added, target, folders) {
  const parts = [];
  if (added) parts.push(`Uploading ${filesWord(added)}${target === null ? '' : ` to ${folderName(target)}`}…`);
  if (folders) parts.push(`Folders cannot be dropped here (${folders} left out): drop the files inside them.`);
  return parts.join(' ');
}

/** What became of a batch of uploads, once none is on its way: `{ tone, message }`. */
function uploadResult(items, target, folders) {
  const uploaded = items.filter((item) => ['stored', 'converted', 'conversion_failed'].includes(item.phase)).length;
  const cancelled = items.filter((item) => item.phase === 'cancelled').length;
  const failed = items.length - uploaded - cancelled;
  const parts = [];
  if (uploaded) parts.push(`${filesWord(uploaded)} uploaded${target === null ? '' : ` to ${folderName(target)}`}.`);
  if (cancelled) parts.push(`${filesWord(cancelled)} cancelled.`);
  if (failed) parts.push(`${failed === 1 ? '1 file' : `${failed} files`} could not be uploaded: see Uploads for why.`);
  if (folders) parts.push(`Folders cannot be dropped here (${folders} left out): drop the files inside them.`);
  return { tone: failed || folders ? 'bad' : 'ok', message: parts.join(' ') };
}

/**
 * The screen's status line: `say(tone, message)`; a result that went well clears itself after a few seconds (or on
 * the next thing done, `settle()`), a problem stays until dismissed. `busy` messages (uploads on their way) stay
 * until their result replaces them.
 */
function useFlash() {
  const [flash, setFlash] = useState(null);
  useEffect(() => {
    if (flash?.tone !== 'ok' || flash.busy) return undefined;
    const timer = setTimeout(() => setFlash((current) => (current === flash ? null : current)), FLASH_CLEARS_MS);
    return () => clearTimeout(timer);
  }, [flash]);
  const say = (tone, message, extra = {}) => setFlash({ tone, message, ...extra });
  const settle = () => setFlash((current) => (current && current.tone === 'ok' && !current.busy ? null : current));
  return { flash, say, settle, clear: () => setFlash(null) };
}

function Flash({ flash, onDismiss }) {
  return html`
    <div class="flash files-flash" role="status" data-tone=${flash?.tone}>${flash && html`
      <span>${flash.message}</span>
      ${flash.tone === 'bad' && html`<button type="button" class="icon-button files-flash-dismiss" aria-label="Dismiss this message"
        title="Dismiss" onClick=${onDismiss}><${FileIcon} name="close" size=${16} /></button>`}`}</div>
  `;
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
  const { flash, say, settle, clear: clearFlash } = useFlash();
  const [batch, setBatch] = useState(null); // the last uploads started here: { ids, target, folders }
  const [showHidden, setShowHidden] = useShowHidden(user?.id);
  const [announcement, setAnnouncement] = useState('');
  const [reloads, setReloads] = useState(0);
  const tree = useFileTree(projectId);
  const uploads = useUploads(projectId);
  const { dirty, guard } = useUnsavedGuard(setDialog);
  const mounts = useMounts(projectId); // the folders synced from cloud drives, marked in the tree
  const mounted = useMemo(() => mountsByFolder(mounts.items), [mounts.items]);
  useMountsSynced(projectId, mounts.items, tree.refresh);

  // A link to a project this person cannot open (deleted, or not theirs) says so rather than look for its file in
  // another project; until the projects are in, the linked file waits.
  const loaded = projects.projects !== null;
  const [linkChecked, setLinkChecked] = useState(!initial.projectId);
  useEffect(() => {
    if (!loaded || linkChecked) return;
    if (!list.some((p) => p.id === initial.projectId)) {
      setOpenPath(null);
      setFolder('');
      setExpanded(new Set());
      if (list.length) say('bad', 'The project in that link no longer exists, or you are not a member of it.');
    }
    setLinkChecked(true);
  }, [loaded]);
  useEffect(() => linkChecked && writeUrl(projectId, openPath), [projectId, openPath, linkChecked]);

  const expand = (paths) => setExpanded((set) => new Set([...set, ...paths]));
  const changed = () => tree.refresh();
  // Uploads go to the selected folder, never into one Sasha Studio manages (the tree's "Upload to" says where).
  const target = isManaged(folder) ? '' : folder;
  const shown = useMemo(
    () => visibleTree(tree.tree?.root ?? null, { showHidden, keep: [openPath, folder] }),
    [tree.tree, showHidden, openPath, folder],
  );

  // The last batch of uploads: "Uploading 2 files…" turns into what became of them once none is on its way.
  const batchItems = batch ? uploads.filter((item) => batch.ids.includes(item.id)) : [];
  const batchDone = batch !== null && batchItems.every((item) => !ACTIVE.has(item.phase));
  useEffect(() => {
    if (!batchDone) return;
    const { tone, message } = uploadResult(batchItems, batch.target, batch.folders);
    setBatch(null);
    if (message) say(tone, message);
    else clearFlash(); // every item of it was cleared from the list meanwhile
  }, [batchDone]);

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
      setBatch(null);
      clearFlash();
    }),
    createProject: async (name) => {
      const created = await projects.create(name);
      on.pickProject(created.id);
    },
    file: (path) => {
      if (path === openPath) return;
      settle();
      guard(openPath, () => {
        setOpenPath(path);
        setFolder(parentOf(path));
        expand(ancestorsOf(path));
      });
    },
    folder: (path) => {
      settle();
      setFolder(path);
      if (!path) return;
      setExpanded((set) => {
        const next = new Set(set);
        if (next.has(path)) next.delete(path);
        else next.add(path);
        return next;
      });
    },
    target: (path) => {
      settle();
      setFolder(path);
      if (path) expand([...ancestorsOf(path), path]);
    },
    showHidden: setShowHidden,
    upload: (into, files, folders) => {
      const ids = files.length ? uploadFiles(projectId, into, files) : [];
      if (into) expand([...ancestorsOf(into), into]);
      if (ids.length) {
        // Files added while others are on their way join them: one message for all, once all have ended.
        const joined = batch && !batchDone
          ? { ids: [...batch.ids, ...ids], target: batch.target === into ? into : null, folders: batch.folders + folders }
          : { ids, target: into, folders };
        setBatch(joined);
        say('ok', uploadMessage(joined.ids.length, joined.target, joined.folders), { busy: true });
      } else if (folders) {
        say('bad', uploadMessage(0, into, folders));
      }
    },
    refresh: () => tree.refresh(),
    newFolder: () => setDialog({ kind: 'new-folder', folder }),
    rename: (node) => !isManaged(node.path) && guardOpen(node, () => setDialog({ kind: 'move', node })),
    delete: (node) => !isManaged(node.path) && guardOpen(node, () => setDialog({ kind: 'delete', node, files: countFiles(findNode(tree.tree, node.path) || node) })),
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
    close: () => setOpenPath(null),
    saved: (file) => say('ok', `Saved ${file.path}.`),
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
      <${Flash} flash=${flash} onDismiss=${clearFlash} />
      <div class="sr-only" role="status" aria-live="polite">${announcement}</div>
      ${project && html`
        <div class="files-layout">
          <div class="files-side">
            <${FileTree} tree=${tree.tree} root=${shown.root} hiddenCount=${shown.hidden} showHidden=${showHidden}
              error=${tree.error} refreshing=${tree.refreshing} canWrite=${canWrite} folder=${folder} target=${target}
              openPath=${openPath} expanded=${expanded} mounts=${mounted} on=${on} />
            <${FileUploads} projectId=${projectId} uploads=${uploads} onOpen=${on.file} />
          </div>
          ${openPath && linkChecked
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
