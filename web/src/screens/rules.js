// Rules (/rules): the CLAUDE.md every chat follows — "My rules" (the caller's own, in every project) and "Project
// rules" (the picked project's, for everyone in it) — edited as text, with the history of who saved what, diffs
// between versions, and restore. Unsaved edits are guarded: switching tab or project, leaving the screen through the
// app, or closing the page asks first. The tab and project are in the URL (replaced), so a reload comes back to them.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { rememberedProject, useProjects } from '../chat/projects.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { DiscardDialog } from '../components/file-dialogs.js';
import { ProjectSelect } from '../components/project-select.js';
import { RulesEditor } from '../components/rules-editor.js';
import { RulesHistory } from '../components/rules-history.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { RULES } from '../paths.js';
import { guardNavigation } from '../router.js';
import { rulesApi } from '../rules/api.js';
import { getSession } from '../session.js';

const TABS = [
  { scope: 'user', label: 'My rules', lead: 'Your own CLAUDE.md: Claude follows it in all your chats, in every project.' },
  { scope: 'project', label: 'Project rules', lead: 'The project’s CLAUDE.md (the file at its top folder): Claude follows it in everyone’s chats in this project. Your own rules come on top.' },
];

function readUrl() {
  const query = new URLSearchParams(window.location.search);
  return { scope: query.get('scope') === 'project' ? 'project' : 'user', projectId: query.get('project') };
}

function writeUrl(scope, projectId) {
  if (window.location.pathname.replace(/\/+$/, '') !== RULES) return;
  const query = scope === 'project' && projectId ? `?${new URLSearchParams({ scope, project: projectId })}` : '';
  if (window.location.search !== query) window.history.replaceState(null, '', RULES + query);
}

/** `{ doc (null while loading), error, reload, set(doc) }` for the active version of `where`. */
function useDocument(where) {
  const [state, setState] = useState({ key: null, doc: null, error: null });
  const serial = useRef(0);
  const key = where && `${where.scope}:${where.projectId ?? ''}`;
  const reload = () => {
    const mine = ++serial.current;
    setState({ key, doc: null, error: null });
    if (!where) return;
    rulesApi.current(where).then((doc) => mine === serial.current && setState({ key, doc, error: null }),
      (err) => mine === serial.current && setState({ key, doc: null, error: err.message }));
  };
  useEffect(reload, [key]);
  const current = state.key === key ? state : { doc: null, error: null };
  return { doc: current.doc, error: current.error, reload, set: (doc) => setState({ key, doc, error: null }) };
}

/** Asks before unsaved edits are lost: in-app actions and navigation (a dialog), and closing the page (the browser). */
function useUnsavedGuard(setDialog) {
  const dirty = useRef(false);
  const guard = (action) => {
    if (!dirty.current) return action();
    setDialog({ kind: 'discard', then: () => {
      dirty.current = false;
      action();
    } });
  };
  useEffect(() => {
    const onUnload = (event) => {
      if (!dirty.current) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onUnload);
    const unguard = guardNavigation((to, proceed) => {
      const leaving = new URL(to, window.location.origin).pathname.replace(/\/+$/, '') !== RULES;
      if (!dirty.current || !leaving || getSession().phase !== 'signed-in') return true;
      guard(proceed);
      return false;
    });
    return () => {
      window.removeEventListener('beforeunload', onUnload);
      unguard();
    };
  }, []);
  return { dirty, guard };
}

function Tabs({ scope, onPick }) {
  const onKeyDown = (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = TABS[(TABS.findIndex((t) => t.scope === scope) + step + TABS.length) % TABS.length];
    onPick(next.scope);
    document.getElementById(`rules-tab-${next.scope}`)?.focus();
  };
  return html`
    <div class="subnav" role="tablist" aria-label="Whose rules" onKeyDown=${onKeyDown}>
      ${TABS.map((tab) => html`
        <button key=${tab.scope} type="button" role="tab" id=${`rules-tab-${tab.scope}`} class="subnav-link rules-tab"
          aria-selected=${tab.scope === scope ? 'true' : 'false'} aria-controls="rules-tabpanel"
          tabindex=${tab.scope === scope ? '0' : '-1'} onClick=${() => onPick(tab.scope)}>${tab.label}</button>`)}
    </div>
  `;
}

function RestoreDialog({ version, dirty, onRestore, onClose }) {
  return html`
    <${ConfirmDialog} title=${`Restore version ${version}?`} confirmLabel="Restore" busyLabel="Restoring…"
      onConfirm=${onRestore} onClose=${onClose}>
      <p>Version ${version} becomes the active rules again, saved as a new version: Claude follows it from the next
        message. The versions in between stay in the history.</p>
      ${dirty && html`<p><strong>Your unsaved changes in the editor are discarded.</strong></p>`}
    <//>
  `;
}

export default function RulesScreen({ user }) {
  const initial = useMemo(readUrl, []);
  const [scope, setScope] = useState(initial.scope);
  const [chosen, setChosen] = useState(initial.projectId);
  const projects = useProjects();
  const list = projects.projects || [];
  const project = list.find((p) => p.id === chosen) || list.find((p) => p.id === rememberedProject(user?.id)) || list[0] || null;
  const where = scope === 'user' ? { scope, projectId: null } : project ? { scope, projectId: project.id } : null;
  const { doc, error, reload, set } = useDocument(where);
  const [revision, setRevision] = useState(0);
  const [loads, setLoads] = useState(0); // a newer version loaded over the editor's text
  const [dialog, setDialog] = useState(null); // { kind: 'discard', then } | { kind: 'restore', version }
  const [flash, setFlash] = useState(null);
  const { dirty, guard } = useUnsavedGuard(setDialog);
  const tab = TABS.find((t) => t.scope === scope);

  useEffect(() => writeUrl(scope, project?.id), [scope, project?.id]);

  const pickTab = (next) => next !== scope && guard(() => {
    setScope(next);
    setFlash(null);
  });
  const pickProject = (id) => id !== project?.id && guard(() => {
    setChosen(id);
    setFlash(null);
  });
  const saved = (next, message) => {
    dirty.current = false;
    set(next);
    setLoads((n) => n + 1);
    setRevision((n) => n + 1);
    setFlash(message);
  };
  const loadNewer = (current) => {
    dirty.current = false;
    setFlash(null);
    if (!current) return reload();
    set(current);
    setLoads((n) => n + 1);
    setRevision((n) => n + 1);
  };
  const restore = async (version) => {
    const next = await rulesApi.restore(where, version, doc.version);
    setDialog(null);
    saved(next, `Restored version ${version} as version ${next.version}.`);
  };
  const editorLabel = scope === 'user' ? 'Your CLAUDE.md' : `CLAUDE.md of ${project?.name ?? 'the project'}`;

  return html`
    <div class="page rules-page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Rules</h1>
        <p class="page-lead">The CLAUDE.md files Claude follows in every chat: how your company works, what to do and
          what never to do. Every save is a version you can compare and go back to.</p>
        <${Tabs} scope=${scope} onPick=${pickTab} />
      </header>
      <div id="rules-tabpanel" role="tabpanel" aria-labelledby=${`rules-tab-${scope}`} class="rules-tabpanel">
        <section class="card" aria-labelledby="rules-editor-title">
          <div class="card-header">
            <h2 id="rules-editor-title"><${Icon} name="rules" size=${20} /> ${tab.label}</h2>
          </div>
          <p class="card-lead">${tab.lead}</p>
          ${scope === 'project' && html`<${ProjectSelect} id="rules-project" className="rules-project" projects=${projects} projectId=${project?.id} onPick=${pickProject} />`}
          <div class="flash" role="status" data-tone=${flash ? 'ok' : undefined}>${flash || ''}</div>
          ${error && html`
            <div class="callout callout-bad callout-row" role="alert">
              <p>${error}</p>
              <button type="button" class="button button-small button-secondary" onClick=${reload}>Try again</button>
            </div>`}
          ${where && !doc && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading the rules…</p>`}
          ${doc && html`<${RulesEditor} key=${`${scope}:${where.projectId}:${doc.version}:${loads}`} where=${where} doc=${doc}
            label=${editorLabel} onSaved=${saved} onLoad=${loadNewer} onDirty=${(value) => (dirty.current = value)} />`}
        </section>
        ${doc && html`<${RulesHistory} where=${where} revision=${revision} canEdit=${doc.canEdit}
          onRestore=${(version) => setDialog({ kind: 'restore', version })} />`}
      </div>
      ${dialog?.kind === 'discard' && html`<${DiscardDialog} name=${editorLabel}
        onDiscard=${() => { setDialog(null); dialog.then(); }} onClose=${() => setDialog(null)} />`}
      ${dialog?.kind === 'restore' && html`<${RestoreDialog} version=${dialog.version} dirty=${dirty.current}
        onRestore=${() => restore(dialog.version)} onClose=${() => setDialog(null)} />`}
    </div>
  `;
}
