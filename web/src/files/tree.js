// A project's file tree, kept fresh cheaply: every refresh sends the last ETag and a 304 keeps what is shown.
// It refreshes when asked (after every change), and when the window regains focus or the tab becomes visible.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { fetchTree } from './api.js';

/** `{ tree (null while loading), error, refreshing, refresh() }` for `projectId`. */
export function useFileTree(projectId) {
  const [state, setState] = useState({ projectId: null, tree: null, error: null, refreshing: false });
  const etag = useRef(null);
  const serial = useRef(0); // answers for another project (or from before a switch) are ignored, not aborted
  const inFlight = useRef(null);
  const again = useRef(false);

  // One request at a time: a refresh asked for meanwhile runs once, after it (with the ETag it brought).
  const refresh = useCallback(() => {
    if (!projectId) return;
    if (inFlight.current) {
      again.current = true;
      return;
    }
    const mine = serial.current;
    setState((s) => ({ ...s, refreshing: true }));
    inFlight.current = fetchTree(projectId, etag.current)
      .then(
        (answer) => {
          if (mine !== serial.current) return;
          if (answer.etag !== undefined) etag.current = answer.etag;
          setState((s) => (answer.notModified
            ? { ...s, refreshing: false, error: null }
            : { projectId, tree: answer.tree, error: null, refreshing: false }));
        },
        (err) => mine === serial.current && setState((s) => ({ ...s, projectId, error: err.message, refreshing: false })),
      )
      .finally(() => {
        if (mine !== serial.current) return;
        inFlight.current = null;
        if (again.current) {
          again.current = false;
          refresh();
        }
      });
  }, [projectId]);

  useEffect(() => {
    serial.current += 1;
    etag.current = null;
    inFlight.current = null;
    again.current = false;
    setState({ projectId, tree: null, error: null, refreshing: false }); // another project's tree must not flash
    refresh();
    const onFocus = () => refresh();
    const onVisible = () => document.visibilityState === 'visible' && refresh();
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh]);

  const current = state.projectId === projectId ? state : { tree: null, error: null, refreshing: true };
  return { tree: current.tree, error: current.error, refreshing: current.refreshing, refresh };
}

/** The node at `path` in `tree` (the root for ""), or null. */
export function findNode(tree, path) {
  let node = tree?.root ?? null;
  if (!path) return node;
  for (const name of path.split('/')) {
    node = node?.children?.find((child) => child.name === name) ?? null;
    if (!node) return null;
  }
  return node;
}

/** How many files are in `node` (1 for a file), however deep. */
export function countFiles(node) {
  return node.type === 'file' ? 1 : node.children.reduce((sum, child) => sum + countFiles(child), 0);
}
