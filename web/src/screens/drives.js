// Drives (/drives): a project's drive folders (docs/web-drives.md). Pick a project; see each folder synced from a
// cloud drive with its health, last sync and what it moved (and the files changed on both sides); Sync now, change
// its access mode and sync profile, remove it; add one from an authorized connection. People who may only read the
// project see the list. The project is in the URL (/drives?project=…, replaced), so a reload comes back to it.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { rememberedProject, useProjects } from '../chat/projects.js';
import { AddMountForm, EditMountDialog, RemoveMountDialog } from '../components/drive-mount-form.js';
import { DriveMounts } from '../components/drive-mounts.js';
import { ProjectSelect } from '../components/project-select.js';
import { drivesApi } from '../drives/api.js';
import { useMounts } from '../drives/mounts.js';
import { useConnections } from '../drives/use-drives.js';
import { html } from '../html.js';
import { DRIVES, SETTINGS_DRIVES } from '../paths.js';
import { Link } from '../router.js';

function readUrl() {
  return new URLSearchParams(window.location.search).get('project');
}

function writeUrl(projectId) {
  if (window.location.pathname.replace(/\/+$/, '') !== DRIVES || !projectId) return;
  const next = `${DRIVES}?${new URLSearchParams({ project: projectId })}`;
  if (window.location.pathname + window.location.search !== next) window.history.replaceState(null, '', next);
}

const SettingsLink = () => html`<${Link} href=${SETTINGS_DRIVES}>Settings → Cloud drives<//>`;

function EmptyMounts({ connections, canWrite }) {
  if (connections.items && !connections.items.some((c) => c.status === 'authorized')) {
    return html`<p>No drives connected yet — an administrator connects them in <${SettingsLink} />.</p>`;
  }
  if (!canWrite) return html`<p>No drives in this project. Someone who can edit it can add one.</p>`;
  return html`<p>No drives in this project yet. Add one below: a folder of the drive is synced into a project folder.</p>`;
}

/** Sync now: `{ sending (ids whose request is on its way), sync(mount) }`; the answer is followed (mounts.follow). */
function useSyncNow(projectId, mounts, say) {
  const [sending, setSending] = useState(() => new Set());
  const project = useRef(projectId);
  project.current = projectId;
  const mark = (id, on) => setSending((set) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  });
  const sync = async (mount) => {
    const forProject = projectId;
    mark(mount.mountId, true);
    say(null);
    try {
      const answer = await drivesApi.syncMount(forProject, mount.mountId);
      if (project.current !== forProject) return;
      mounts.follow(answer?.mountId ? answer : mount);
      say('ok', `Syncing ${mount.path}/ with ${mount.connectionName || 'its drive'}: this list shows when it is done.`);
    } catch (err) {
      if (project.current === forProject) say('bad', `Could not sync ${mount.path}/: ${err.message}`);
    } finally {
      mark(mount.mountId, false);
    }
  };
  return { sending, sync };
}

export default function DrivesScreen({ user }) {
  const projects = useProjects();
  const initial = useMemo(readUrl, []);
  const [chosen, setChosen] = useState(initial);
  const list = projects.projects || [];
  const project = list.find((p) => p.id === chosen) || list.find((p) => p.id === rememberedProject(user?.id)) || list[0] || null;
  const projectId = project?.id ?? null;
  const canWrite = Boolean(project?.canWrite);
  const mounts = useMounts(projectId);
  const connections = useConnections();
  const authorized = (connections.items || []).filter((c) => c.status === 'authorized');
  const [dialog, setDialog] = useState(null); // { kind: 'edit' | 'remove', mount }
  const [flash, setFlash] = useState(null);
  const say = (tone, message) => setFlash(tone ? { tone, message } : null);
  const { sending, sync } = useSyncNow(projectId, mounts, say);
  const syncing = new Set([...sending, ...mounts.syncing]);
  const close = () => setDialog(null);

  useEffect(() => writeUrl(projectId), [projectId]);

  const pickProject = (id) => {
    if (id === projectId) return;
    setChosen(id);
    setFlash(null);
    close();
  };
  const added = (mount) => {
    mounts.put(mount);
    say('ok', `Added ${mount.path}/: its files arrive with its first sync, which is on its way.`);
  };
  const saved = (mount) => {
    mounts.put(mount);
    close();
    say('ok', `Saved ${mount.path}/: the change applies from the next sync.`);
  };
  const removed = (mount) => {
    mounts.drop(mount.mountId);
    close();
    say('ok', `Removed ${mount.path}/ from the project’s drives. Its files stay in the project.`);
    requestAnimationFrame(() => document.getElementById('drive-mounts-title')?.focus());
  };
  const on = { sync, edit: (mount) => setDialog({ kind: 'edit', mount }), remove: (mount) => setDialog({ kind: 'remove', mount }) };

  return html`
    <div class="page drives-page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Drives</h1>
        <p class="page-lead">Folders of the company’s cloud drives, synced into a project: Claude reads them with the
          project’s files and, when a drive is read-write, its changes go back to the drive.${project && html` They show in the project’s <${Link} href=${`/files?${new URLSearchParams({ project: projectId })}`}>Files<//>.`}</p>
      </header>
      <div class="drives-top">
        <${ProjectSelect} id="drives-project" projects=${projects} projectId=${projectId} onPick=${pickProject} />
        ${project && !canWrite && html`<p class="callout callout-info">You can read this project: its drives and how they
          sync. Adding or changing them needs edit access.</p>`}
        <div class="flash" role="status" data-tone=${flash?.tone}>${flash?.message || ''}</div>
      </div>
      ${project && html`
        <${DriveMounts} mounts=${mounts} canWrite=${canWrite} syncing=${syncing} on=${on}
          empty=${html`<${EmptyMounts} connections=${connections} canWrite=${canWrite} />`} />
        ${canWrite && connections.error && html`
          <div class="callout callout-bad callout-row" role="alert">
            <p>Could not load the connected drives: ${connections.error}</p>
            <button type="button" class="button button-small button-secondary" onClick=${connections.reload}>Try again</button>
          </div>`}
        ${canWrite && authorized.length > 0 && html`<${AddMountForm} key=${projectId} projectId=${projectId}
          connections=${authorized} onAdded=${added} />`}
        ${canWrite && connections.items && !authorized.length && mounts.items?.length > 0 && html`
          <p class="card-note">To add another drive, an administrator connects one in <${SettingsLink} />.</p>`}`}
      ${dialog?.kind === 'edit' && html`<${EditMountDialog} projectId=${projectId} mount=${dialog.mount} onSaved=${saved} onClose=${close} />`}
      ${dialog?.kind === 'remove' && html`<${RemoveMountDialog} projectId=${projectId} mount=${dialog.mount}
        onRemoved=${removed} onClose=${close} />`}
    </div>
  `;
}
