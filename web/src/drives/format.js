// Words for the states of connections and mounts, the access modes and sync profiles with what each means, and
// the paths a mount joins. Pure functions and tables; no markup.

/** A connection's status: its badge, its tone, and what it means for the person reading the list. */
export const CONNECTION_STATUS = {
  pending: { label: 'Pending', tone: 'muted', hint: 'Not signed in yet.' },
  authorized: { label: 'Authorized', tone: 'ok', hint: null },
  error: { label: 'Error', tone: 'bad', hint: 'The drive refused the stored sign-in.' },
};
/** A connection's name: its own, else its provider's (the API may send either as null). */
export const connectionName = (connection) => connection.displayName || connection.providerName || 'Unnamed connection';

export const connectionStatus = (status) => CONNECTION_STATUS[status] ?? { label: status || 'Unknown', tone: 'muted', hint: null };

/** A mount's health (docs/architecture.md: the states describe the sync between the drive and the project). */
export const HEALTH = {
  mounted: { label: 'Mounted', tone: 'ok', hint: 'In step with the drive at the last sync.' },
  mounting: { label: 'Syncing…', tone: 'busy', hint: 'Copying between the drive and the project now.' },
  degraded: { label: 'Degraded', tone: 'warn', hint: 'The last sync did not finish.' },
  unmounted: { label: 'Not mounted', tone: 'muted', hint: 'Not synced yet: its files arrive with the first sync.' },
};
export const health = (status) => HEALTH[status] ?? HEALTH.unmounted;

export const ACCESS_MODES = [
  { value: 'read-only', label: 'Read-only', hint: 'A mirror of the drive: changes made in the project never reach the drive and are undone at the next sync.' },
  { value: 'read-write', label: 'Read-write', hint: 'Both ways: changes made in the project (by people or by Claude) go to the drive, and the drive’s come here.' },
];
export const accessMode = (value) => ACCESS_MODES.find((mode) => mode.value === value) ?? ACCESS_MODES[0];

// As shared/drives/profiles.py schedules them.
export const VFS_PROFILES = [
  { value: 'minimal', label: 'Minimal', hint: 'Synced every hour, not before Claude works: for large archives and reference material.' },
  { value: 'default', label: 'Default', hint: 'Synced every 15 minutes and before Claude works in the project: for working folders.' },
  { value: 'full', label: 'Full', hint: 'Synced every 5 minutes and before Claude works: for folders people edit on both sides.' },
];
export const vfsProfile = (value) => VFS_PROFILES.find((profile) => profile.value === value) ?? VFS_PROFILES[1];

/** "Drives/Sales" from " /Drives/Sales/ " (the form of paths the Files tree uses). */
export const cleanPath = (path) => String(path ?? '').trim().replace(/^\/+|\/+$/g, '');

/** What a project folder for a mount may not be; null when it is fine. */
export function projectFolderProblem(path) {
  if (!path) return 'Project folder: name the folder the drive’s files go into, e.g. Drives/Sales.';
  if (path.split('/').some((part) => part === '..' || part === '.' || !part)) {
    return 'Project folder: a folder inside the project, without “..” or empty parts.';
  }
  return null;
}

const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** "3 files pulled · 1 pushed · none deleted" for a sync's counts; "No changes" when nothing moved. */
export function syncSummary(lastSync) {
  if (!lastSync) return null;
  const { pulled = 0, pushed = 0, deleted = 0 } = lastSync;
  if (!pulled && !pushed && !deleted) return 'No changes';
  return [
    pulled && `${plural(pulled, 'file')} from the drive`,
    pushed && `${plural(pushed, 'file')} to the drive`,
    deleted && `${plural(deleted, 'file')} deleted`,
  ].filter(Boolean).join(' · ');
}

/** Mounts by their project folder, for the Files tree: `Map(path → mount)`. */
export function mountsByFolder(mounts) {
  return new Map((mounts || []).map((mount) => [cleanPath(mount.path), mount]));
}
