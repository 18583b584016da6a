// Git (/git): a project's files as a Git work tree (docs/git.md, docs/web-git.md). Pick a project; turn its
// repository on; see the changed files (staged and not), each one's diff; stage, write or generate a message, commit;
// switch or make branches; push, pull and fetch with the transfer's progress; resolve or abort a merge that stopped on
// conflicts; set the remote; read the history. People who may only read the project see everything but change
// nothing. The project is in the URL (/git?project=…, replaced), so a reload comes back to it.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { rememberedProject, useProjects } from '../chat/projects.js';
import { GitBranches } from '../components/git-branches.js';
import { GitChanges } from '../components/git-changes.js';
import { GitCommit } from '../components/git-commit.js';
import { GitConflicts } from '../components/git-conflicts.js';
import { GitDiff } from '../components/git-diff.js';
import { GitLog } from '../components/git-log.js';
import { GitProblem } from '../components/git-problem.js';
import { GitRemotes, RemoteDialog, RemoveRemoteDialog } from '../components/git-remotes.js';
import { GitSync, SYNC_LABELS } from '../components/git-sync.js';
import { ProjectSelect } from '../components/project-select.js';
import { FileIcon } from '../files/icons.js';
import { gitApi } from '../git/api.js';
import { groupFiles, syncOutcome } from '../git/status.js';
import { useGit } from '../git/use-git.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

const GIT_PATH = '/git';
const MANAGERS = new Set(['owner', 'admin']); // who may set remotes, besides administrators

function readUrl() {
  return new URLSearchParams(window.location.search).get('project');
}

function writeUrl(projectId) {
  if (window.location.pathname.replace(/\/+$/, '') !== GIT_PATH || !projectId) return;
  const next = `${GIT_PATH}?${new URLSearchParams({ project: projectId })}`;
  if (window.location.pathname + window.location.search !== next) window.history.replaceState(null, '', next);
}

/** The file whose diff shows, following it to the other group when it was staged or unstaged; null when gone. */
function shownFile(selection, status) {
  if (!selection || !status) return null;
  const { staged, changes } = groupFiles(status.files);
  const conflicted = (status.conflicts || []).includes(selection.path);
  const mine = (selection.staged ? staged : changes).some((f) => f.path === selection.path);
  if (mine || (conflicted && !selection.staged)) return selection;
  const other = (selection.staged ? changes : staged).some((f) => f.path === selection.path);
  return other ? { path: selection.path, staged: !selection.staged } : null;
}

function NotInitialized({ canWrite, busy, onInit }) {
  return html`
    <section class="card empty-state git-empty" aria-labelledby="git-empty-title">
      <div class="empty-state-icon"><${Icon} name="git" size=${28} /></div>
      <h2 id="git-empty-title">This project has no repository yet</h2>
      <div class="empty-state-text">
        <p>With Git, every change to the project’s files is kept: see what changed and when, review each change before
          you commit it, go back when something goes wrong, and push to GitHub or another Git server to share it.</p>
      </div>
      ${canWrite
        ? html`<button type="button" class="button button-primary" disabled=${busy} onClick=${onInit}>
            ${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Initializing…' : 'Initialize repository'}</button>`
        : html`<p class="hint">Someone who can edit the project can turn it on.</p>`}
    </section>
  `;
}

export default function GitScreen({ user }) {
  const projects = useProjects();
  const initial = useMemo(readUrl, []);
  const [chosen, setChosen] = useState(initial);
  const list = projects.projects || [];
  const project = list.find((p) => p.id === chosen) || list.find((p) => p.id === rememberedProject(user?.id)) || list[0] || null;
  const projectId = project?.id ?? null;
  const canWrite = Boolean(project?.canWrite);
  const canManage = canWrite && (MANAGERS.has(project?.role) || Boolean(user?.isAdmin));
  const git = useGit(projectId);
  const { status } = git;
  const [selection, setSelection] = useState(null); // { path, staged }
  const [dialog, setDialog] = useState(null); // { kind: 'remote' | 'remove', remote }
  const shown = shownFile(selection, status);

  useEffect(() => writeUrl(projectId), [projectId]);

  const pickProject = (id) => {
    if (id === projectId) return;
    setChosen(id);
    setSelection(null);
  };
  const run = (op, label, call, done) => git.run(op, label, (options) => call(projectId, options), done);
  const on = {
    select: (file) => setSelection({ path: file.path, staged: file.inStaged }),
    stage: (paths) => run('stage', 'Staging…', (id, o) => gitApi.stage(id, paths, o)),
    unstage: (paths) => run('unstage', 'Unstaging…', (id, o) => gitApi.unstage(id, paths, o)),
  };
  const init = () => run('init', 'Initializing the repository…', gitApi.init,
    () => 'The repository is on: stage the files and commit them to start its history.');
  const sync = (op) => run(op, SYNC_LABELS[op], gitApi[op], (answer) => syncOutcome(op, answer));
  const remoteSaved = (remote) => {
    setDialog(null);
    git.reload();
    git.say(`Saved the remote ${remote?.name ?? ''}: Push and Pull use it.`);
  };
  const remoteRemoved = (remote) => {
    setDialog(null);
    git.reload();
    git.say(`Removed the remote ${remote.name}.`);
  };
  const origin = status?.remotes?.find((r) => r.name === 'origin') || status?.remotes?.[0] || null;

  return html`
    <div class="page git-page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Git</h1>
        <p class="page-lead">A project’s files, versioned: review what changed, commit it with a message Claude can draft
          for you, and push it to your Git server.</p>
      </header>
      <div class="git-top">
        <${ProjectSelect} id="git-project" className="git-project" projects=${projects} projectId=${projectId} onPick=${pickProject} />
        ${project && !canWrite && html`<p class="callout callout-info">You can read this project: its changes, diffs and
          history. Changing them needs edit access.</p>`}
        ${project && git.loadError && html`
          <div class="callout callout-bad callout-row" role="alert">
            <p>Could not read the repository: ${git.loadError}</p>
            <button type="button" class="button button-small button-secondary" onClick=${git.reload}>Try again</button>
          </div>`}
        ${project && !status && !git.loadError && html`
          <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Reading the repository…</p>`}
        <div class="flash" role="status" data-tone=${git.flash?.tone}>${git.flash?.message || ''}</div>
        ${git.problem && html`<${GitProblem} problem=${git.problem} canWrite=${canWrite}
          on=${{ pull: () => sync('pull'), editRemote: canManage ? () => setDialog({ kind: 'remote', remote: origin }) : null,
            dismiss: git.clearProblem }} />`}
      </div>
      ${status && !status.initialized && html`<${NotInitialized} canWrite=${canWrite} busy=${Boolean(git.busy)} onInit=${init} />`}
      ${status?.initialized && html`
        <section class="card git-bar" aria-label="Branch and remote">
          <${GitBranches} projectId=${projectId} status=${status} canWrite=${canWrite} git=${git} />
          <${GitSync} status=${status} canWrite=${canWrite} git=${git} onSync=${sync} />
          <button type="button" class="icon-button icon-button-boxed git-refresh" aria-label="Refresh" title="Refresh"
            disabled=${Boolean(git.busy)} onClick=${git.reload}><${FileIcon} name="refresh" size=${18} /></button>
        </section>
        ${(status.merging || status.conflicts?.length > 0) && html`<${GitConflicts} projectId=${projectId} status=${status}
          canWrite=${canWrite} git=${git} selection=${shown} onSelect=${on.select} />`}
        <div class="git-layout">
          <div class="git-side">
            <${GitChanges} status=${status} selection=${shown} canWrite=${canWrite} busy=${Boolean(git.busy)} on=${on} />
            ${canWrite && html`<${GitCommit} key=${projectId} projectId=${projectId} status=${status} git=${git} />`}
          </div>
          ${shown
            ? html`<${GitDiff} projectId=${projectId} selection=${shown} revision=${status} onClose=${() => setSelection(null)} />`
            : html`<section class="card git-diff-empty" aria-label="No diff open">
                <${Icon} name="document" size=${28} /><p>Pick a changed file to see its diff here.</p></section>`}
        </div>
        <div class="git-lower">
          <${GitLog} projectId=${projectId} revision=${`${status.branch}:${status.head}`} />
          <${GitRemotes} remotes=${status.remotes || []} canManage=${canManage}
            onEdit=${(remote) => setDialog({ kind: 'remote', remote })} onRemove=${(remote) => setDialog({ kind: 'remove', remote })} />
        </div>`}
      ${dialog?.kind === 'remote' && html`<${RemoteDialog} projectId=${projectId} remote=${dialog.remote}
        onSaved=${remoteSaved} onClose=${() => setDialog(null)} />`}
      ${dialog?.kind === 'remove' && html`<${RemoveRemoteDialog} projectId=${projectId} remote=${dialog.remote}
        onRemoved=${remoteRemoved} onClose=${() => setDialog(null)} />`}
    </div>
  `;
}
