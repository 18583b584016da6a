// A project's mounts as the Drives and Files screens hold them. The list is read again while something is under way:
// every 2.5 s while a mount is syncing (`mounting`) or a Sync now asked here has not reported yet (a mounted mount
// stays `mounted` while it re-syncs, so its report is a new `lastSyncAt`, or a new error); backing off to every 30 s
// while a new mount waits for its first sync. `drive.mount` events, when the server sends them, replace a row at once.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useRealtimeEvent } from '../use-realtime.js';
import { drivesApi } from './api.js';
import { useList } from './use-drives.js';

const SYNCING_POLL_MS = 2500;
const WAITING_POLL_MAX_MS = 30_000;
const FOLLOW_MS = 3 * 60_000; // how long a Sync now is waited for before the row stops saying "Syncing…"
const byPath = (a, b) => (a.path || '').localeCompare(b.path || '');

/** What changes when a sync reports: its outcome, its time, its error (and the row's own time, when the API sends it). */
const signature = (m) => [m.healthStatus, m.lastSyncAt, m.lastError, m.updatedAt].join('|');

/** How soon to read the mounts again (null: not until asked): see the module's comment. */
export function pollDelay(mounts, followed, waits) {
  if (followed || mounts.some((m) => m.healthStatus === 'mounting')) return SYNCING_POLL_MS;
  const firstSyncQueued = mounts.some((m) => m.healthStatus === 'unmounted' && !m.lastSyncAt);
  return firstSyncQueued ? Math.min(WAITING_POLL_MAX_MS, SYNCING_POLL_MS * 2 ** waits) : null;
}

/** The Sync now requests still waiting for their report: those whose mount has not changed since, within FOLLOW_MS. */
export function stillWaiting(following, mounts, now = Date.now()) {
  return new Map([...following].filter(([mountId, waiting]) => {
    const mount = mounts.find((m) => m.mountId === mountId);
    return mount && signature(mount) === waiting.signature && now < waiting.until;
  }));
}

/**
 * `{ items, error, reload, put(mount), drop(mountId), follow(mount), syncing (Set of ids) }` for `projectId`;
 * `follow(mount)` after a Sync now answered with `mount`: the row is "syncing" until its report arrives.
 */
export function useMounts(projectId) {
  const load = useCallback(() => drivesApi.mounts(projectId), [projectId]);
  const list = useList(load, 'mountId', byPath, Boolean(projectId));
  const [following, setFollowing] = useState(() => new Map()); // mountId → { signature, until }
  const waits = useRef(0); // polls in a row that found only a first sync still queued
  const removed = useRef(new Set()); // a late event about a removed mount must not bring its row back

  useEffect(() => setFollowing(new Map()), [projectId]);
  useEffect(() => {
    const items = list.items || [];
    const waiting = stillWaiting(following, items);
    if (waiting.size !== following.size) setFollowing(waiting);
    const delay = pollDelay(items, waiting.size > 0, waits.current);
    if (delay === null) return undefined;
    const busy = waiting.size > 0 || items.some((m) => m.healthStatus === 'mounting');
    waits.current = busy ? 0 : waits.current + 1;
    const timer = setTimeout(list.reload, delay);
    return () => clearTimeout(timer);
  }, [list.items, list.reload, following]);

  useRealtimeEvent('drive.mount', (event) => {
    const mount = event.mount;
    if (mount?.mountId && mount.projectId === projectId && !removed.current.has(mount.mountId)) list.put(mount);
  });

  const put = (mount) => {
    waits.current = 0; // a new or changed mount is followed closely again
    list.put(mount);
  };
  const drop = (mountId) => {
    removed.current.add(mountId);
    list.drop(mountId);
  };
  const follow = (mount) => {
    put(mount);
    setFollowing((map) => new Map(map).set(mount.mountId, { signature: signature(mount), until: Date.now() + FOLLOW_MS }));
  };
  return { ...list, put, drop, follow, syncing: new Set(following.keys()) };
}

/** Calls `onSynced()` when a mount of the same project reports a newer sync (the Files tree then reads itself again). */
export function useMountsSynced(projectId, mounts, onSynced) {
  const seen = useRef({ projectId: null, stamp: null });
  const stamp = mounts ? mounts.map((m) => `${m.mountId}:${m.lastSyncAt || ''}`).join('|') : null;
  useEffect(() => {
    const before = seen.current;
    seen.current = { projectId, stamp };
    if (stamp !== null && before.stamp !== null && before.projectId === projectId && before.stamp !== stamp) onSynced();
  }, [projectId, stamp]);
}
