// The Chat screen's lists: the caller's projects (and the one they used last) and a project's sessions.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';

const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
const newestFirst = (a, b) => (b.updatedAt || '').localeCompare(a.updatedAt || '');

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // private mode or blocked storage: nothing is remembered
  }
}

const lastProjectKey = (userId) => `sasha.chat.project.${userId}`;

/** The project this person chatted in last (on this browser), or null. */
export function rememberedProject(userId) {
  try {
    return storage()?.getItem(lastProjectKey(userId)) || null;
  } catch {
    return null;
  }
}

export function rememberProject(userId, projectId) {
  try {
    if (projectId) storage()?.setItem(lastProjectKey(userId), projectId);
    else storage()?.removeItem(lastProjectKey(userId));
  } catch {
    // Quota or privacy settings: remembering is a convenience.
  }
}

/** `{ projects (null while loading), error, reload, create(name) }`, sorted by name. */
export function useProjects() {
  const [projects, setProjects] = useState(null);
  const [error, setError] = useState(null);
  const reload = useCallback(() => {
    setError(null);
    api.get('/api/projects').then((list) => setProjects([...list].sort(byName)), (err) => setError(err.message));
  }, []);
  useEffect(reload, [reload]);
  const create = async (name) => {
    const project = await api.post('/api/projects', { name });
    setProjects((list) => [...(list || []).filter((p) => p.id !== project.id), project].sort(byName));
    return project;
  };
  return { projects, error, reload, create };
}

/**
 * The caller's sessions in a project, most recent first:
 * `{ sessions (null while loading), error, refreshing, reload, rename(id, title), remove(id) }`.
 */
export function useSessions(projectId) {
  const [state, setState] = useState({ projectId: null, sessions: null, error: null, refreshing: false });
  const serial = useRef(0);
  const reload = useCallback(() => {
    const mine = ++serial.current;
    if (!projectId) {
      setState({ projectId: null, sessions: null, error: null, refreshing: false });
      return;
    }
    setState((s) => ({ ...s, refreshing: true }));
    api.get(`/api/projects/${encodeURIComponent(projectId)}/sessions`).then(
      (list) => {
        if (mine === serial.current) setState({ projectId, sessions: [...list].sort(newestFirst), error: null, refreshing: false });
      },
      (err) => mine === serial.current && setState((s) => ({ ...s, projectId, error: err.message, refreshing: false })),
    );
  }, [projectId]);
  useEffect(() => {
    setState({ projectId, sessions: null, error: null, refreshing: false }); // another project's list must not flash
    reload();
  }, [reload]);

  const rename = async (id, title) => {
    const session = await api.patch(`/api/sessions/${encodeURIComponent(id)}`, { title });
    setState((s) => ({ ...s, sessions: s.sessions?.map((item) => (item.id === id ? { ...item, ...session } : item)) }));
    return session;
  };
  const remove = async (id) => {
    await api.delete(`/api/sessions/${encodeURIComponent(id)}`);
    setState((s) => ({ ...s, sessions: s.sessions?.filter((item) => item.id !== id) }));
  };
  const current = state.projectId === projectId ? state : { sessions: null, error: null, refreshing: true };
  return { sessions: current.sessions, error: current.error, refreshing: current.refreshing, reload, rename, remove };
}
