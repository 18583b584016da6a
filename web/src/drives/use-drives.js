// The Cloud drives lists as screens hold them: providers and connections (a project's mounts: mounts.js), each
// loaded once, changed in place from the answers of what is done here, and read again when asked.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { drivesApi } from './api.js';

const byName = (a, b) => (a.displayName || '').localeCompare(b.displayName || '', undefined, { sensitivity: 'base' });

/** `{ items (null while loading), error, reload() → items | null, put(item), drop(id) }` of a list the API answers. */
export function useList(load, idKey, order, enabled = true) {
  const [state, setState] = useState({ items: null, error: null });
  const serial = useRef(0);
  const reload = useCallback(() => {
    const mine = ++serial.current;
    if (!enabled) return Promise.resolve(null);
    setState((s) => ({ ...s, error: null }));
    return load().then(
      (list) => {
        const items = [...(list || [])].sort(order);
        if (mine === serial.current) setState({ items, error: null });
        return items;
      },
      (err) => {
        if (mine === serial.current) setState((s) => ({ ...s, error: err.message }));
        return null;
      },
    );
  }, [load, enabled]);
  useEffect(() => {
    setState({ items: null, error: null }); // another project's list must not flash
    reload();
  }, [reload]);
  const put = (item) => setState((s) => ({ ...s, items: [...(s.items || []).filter((i) => i[idKey] !== item[idKey]), item].sort(order) }));
  const drop = (id) => setState((s) => ({ ...s, items: (s.items || []).filter((i) => i[idKey] !== id) }));
  return { items: state.items, error: state.error, reload, put, drop };
}

/** The OAuth apps and servers administrators registered (only asked for when `enabled`: the route is theirs). */
export function useProviders(enabled) {
  return useList(drivesApi.providers, 'providerId', byName, enabled);
}

/** The connections the caller may see: all of them for administrators, their own for everyone else. */
export function useConnections() {
  const list = useList(drivesApi.connections, 'connectionId', byName);
  // A sign-in finished in a window that could not tell us (or in another tab) shows once this one has focus again.
  const pending = (list.items || []).some((c) => c.status === 'pending');
  useEffect(() => {
    if (!pending) return undefined;
    const onFocus = () => list.reload();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [pending, list.reload]);
  return list;
}
