// What the tree shows and offers: hidden entries (a name starting with "."), and the folders Sasha Studio manages
// itself (.claude: skills and settings; .sasha: schedule run logs; .git: the repository), which a person may read
// but not delete, rename or move (the API refuses too: shared/files/paths.py `managed_folder`).
import { useState } from 'preact/hooks';
import { isWithin } from './paths.js';

export const MANAGED_FOLDERS = ['.claude', '.sasha', '.git'];

/** The managed folder at the top of the project that holds `path` (".claude"…), or null. */
export function managedFolderOf(path) {
  const top = String(path || '').split('/', 1)[0];
  return MANAGED_FOLDERS.find((name) => name === top.toLowerCase()) ? top : null;
}

/** Whether `path` is, or is inside, a hidden entry (any name starting with "."). */
export function isHiddenPath(path) {
  return String(path || '').split('/').some((name) => name.startsWith('.'));
}

/**
 * `root` without its hidden entries, except those on the way to `keep` (the open file or the selected folder, e.g.
 * from a link): the same objects when nothing is left out. `hidden` counts what was left out at the top level and
 * below.
 */
export function visibleTree(root, { showHidden, keep = [] }) {
  let hidden = 0;
  const kept = (node) => keep.some((path) => path && isWithin(path, node.path));
  const walk = (folder) => {
    let changed = false;
    const children = [];
    for (const child of folder.children) {
      if (!showHidden && child.name.startsWith('.') && !kept(child)) {
        hidden += 1;
        changed = true;
        continue;
      }
      const next = child.type === 'folder' ? walk(child) : child;
      if (next !== child) changed = true;
      children.push(next);
    }
    return changed ? { ...folder, children } : folder;
  };
  const visible = root ? walk(root) : null;
  return { root: visible, hidden };
}

/** Every folder of `root` (depth first, by name), as the upload target's choices. */
export function foldersOf(root) {
  const found = [];
  const walk = (folder) => {
    for (const child of folder.children) {
      if (child.type !== 'folder') continue;
      found.push(child.path);
      walk(child);
    }
  };
  if (root) walk(root);
  return found;
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // private mode or blocked storage: nothing is remembered
  }
}

const hiddenKey = (userId) => `sasha.files.hidden.${userId}`;

/** `[showHidden, setShowHidden]`, remembered per user on this browser (off until turned on). */
export function useShowHidden(userId) {
  const [show, setShow] = useState(() => storage()?.getItem(hiddenKey(userId)) === 'true');
  const set = (value) => {
    setShow(value);
    try {
      if (value) storage()?.setItem(hiddenKey(userId), 'true');
      else storage()?.removeItem(hiddenKey(userId));
    } catch {
      // storage full or blocked: the choice holds for this page only
    }
  };
  return [show, set];
}

/** Whether the managed folder path itself (".claude") or something in it. */
export const isManaged = (path) => managedFolderOf(path) !== null;
