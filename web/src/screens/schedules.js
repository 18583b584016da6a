// Schedules: prompts and skills that run on a cron schedule. The list (with on/off switches, the next run in
// words and the last status), the editor (presets and a live preview of the next runs), Run now, and each
// schedule's run history.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useProjects } from '../chat/projects.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { LimitedModeBanner } from '../components/limited-mode-banner.js';
import { ScheduleEditor } from '../components/schedule-editor.js';
import { ScheduleHistory } from '../components/schedule-history.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';
import { cronWords } from '../schedules/describe.js';
import { RunStatus, When } from '../schedules/format.js';

const newestFirst = (a, b) => (b.createdAt || '').localeCompare(a.createdAt || '');

function useSchedules() {
  const [schedules, setSchedules] = useState(null); // null while loading
  const [error, setError] = useState(null);
  const load = useCallback(() => {
    setError(null);
    api.get('/api/schedules').then((list) => setSchedules([...list].sort(newestFirst)), (err) => setError(err.message));
  }, []);
  useEffect(load, [load]);
  const put = (schedule) =>
    setSchedules((list) => [...(list || []).filter((s) => s.id !== schedule.id), schedule].sort(newestFirst));
  const remove = (id) => setSchedules((list) => list.filter((s) => s.id !== id));
  return { schedules, error, load, put, remove };
}

function focusLater(id) {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

function EnabledSwitch({ schedule, onChange }) {
  const [pending, setPending] = useState(null); // the value asked for, shown until the server answers
  if (schedule.kind === 'on_demand') return html`<span class="muted">—</span>`;
  const toggle = async (event) => {
    const enabled = event.currentTarget.checked;
    setPending(enabled);
    try {
      await onChange(schedule, enabled);
    } finally {
      setPending(null);
    }
  };
  return html`
    <label class="switch">
      <input type="checkbox" role="switch" checked=${pending ?? schedule.enabled} disabled=${pending !== null} onChange=${toggle} />
      <span class="switch-track" aria-hidden="true"></span>
      <span class="sr-only">Run “${schedule.name}” on schedule</span>
    </label>
  `;
}

function What({ schedule, projectName }) {
  const what = schedule.skillName ? `Skill ${schedule.skillName}` : 'Prompt';
  return html`<div class="muted schedule-what">${what} · ${projectName || 'A project you cannot see'}</div>`;
}

/** When it runs, in words, with the expression and its zone on a second line (and on hover). */
function CronWhen({ schedule }) {
  const words = cronWords(schedule.cron);
  const raw = `${schedule.cron} (${schedule.timezone})`;
  return html`<span class="schedule-when" title=${raw}>${words || html`<code class="cron-code">${schedule.cron}</code>`}</span>
    <div class="muted schedule-zone">${words && html`<code class="cron-code">${schedule.cron}</code> · `}${schedule.timezone}</div>`;
}

function NextRun({ schedule }) {
  if (!schedule.enabled) return html`<span class="muted">Off</span>`;
  return html`<${When} value=${schedule.nextRunAt} empty="Not planned" />`;
}

function ScheduleTable({ schedules, projectNames, selectedId, onToggle, onHistory, onEdit, onDelete }) {
  return html`
    <div class="table-wrap">
      <table class="table table-stack schedule-table">
        <caption class="sr-only">Your schedules</caption>
        <thead>
          <tr>
            <th scope="col">On</th><th scope="col">Name</th><th scope="col">When</th><th scope="col">Next run</th>
            <th scope="col">Last run</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${schedules.map((s) => html`
            <tr key=${s.id} data-schedule=${s.id} data-selected=${s.id === selectedId ? 'true' : 'false'}>
              <td data-label="On"><${EnabledSwitch} schedule=${s} onChange=${onToggle} /></td>
              <th scope="row" class="cell-wrap" data-label="Name">
                <span class="schedule-name">${s.name}</span>
                <${What} schedule=${s} projectName=${projectNames.get(s.projectId)} />
              </th>
              <td data-label="When"><${CronWhen} schedule=${s} /></td>
              <td data-label="Next run"><${NextRun} schedule=${s} /></td>
              <td data-label="Last run">
                <${RunStatus} status=${s.lastStatus} />
                ${s.lastRunAt && html`<div class="muted"><${When} value=${s.lastRunAt} /></div>`}
              </td>
              <td class="row-actions" data-label="Actions">
                <button type="button" class="button button-small button-secondary" onClick=${() => onHistory(s)}>
                  Runs<span class="sr-only"> of ${s.name}</span>
                </button>
                <button type="button" class="button button-small button-secondary" onClick=${() => onEdit(s)}>
                  Edit<span class="sr-only"> ${s.name}</span>
                </button>
                <button type="button" class="button button-small button-ghost-danger" onClick=${() => onDelete(s)}>
                  Delete<span class="sr-only"> ${s.name}</span>
                </button>
              </td>
            </tr>`)}
        </tbody>
      </table>
    </div>
  `;
}

// Runs started from the Skills screen are kept by the server under an "on-demand schedule" per skill and person.
// They never run by themselves, so they are listed apart, as the runs of a skill, not as schedules.
function SkillRunsTable({ runs, projectNames, selectedId, onHistory, onDelete }) {
  return html`
    <div class="table-wrap">
      <table class="table table-stack schedule-table skill-runs-table">
        <caption class="sr-only">Skills you ran by hand</caption>
        <thead>
          <tr><th scope="col">Skill</th><th scope="col">Last run</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          ${runs.map((s) => html`
            <tr key=${s.id} data-skill-runs=${s.id} data-selected=${s.id === selectedId ? 'true' : 'false'}>
              <th scope="row" class="cell-wrap" data-label="Skill">
                <span class="schedule-name">${s.skillName || s.name}</span>
                <div class="muted schedule-what">${projectNames.get(s.projectId) || 'A project you cannot see'}</div>
              </th>
              <td data-label="Last run">
                <${RunStatus} status=${s.lastStatus} />
                ${s.lastRunAt && html`<div class="muted"><${When} value=${s.lastRunAt} /></div>`}
              </td>
              <td class="row-actions" data-label="Actions">
                <button type="button" class="button button-small button-secondary" onClick=${() => onHistory(s)}>
                  Runs<span class="sr-only"> of ${s.skillName || s.name}</span>
                </button>
                <button type="button" class="button button-small button-ghost-danger" onClick=${() => onDelete(s)}>
                  Remove<span class="sr-only"> the runs of ${s.skillName || s.name}</span>
                </button>
              </td>
            </tr>`)}
        </tbody>
      </table>
    </div>
  `;
}

function DeleteScheduleDialog({ schedule, onClose, onDeleted }) {
  const byHand = schedule.kind === 'on_demand';
  const remove = async () => {
    await api.delete(`/api/schedules/${encodeURIComponent(schedule.id)}`);
    onDeleted(schedule);
  };
  if (byHand) {
    const skill = schedule.skillName || schedule.name;
    return html`
      <${ConfirmDialog} title=${`Remove the runs of “${skill}” from the list?`} confirmLabel="Remove from the list"
        busyLabel="Removing…" onClose=${onClose} onConfirm=${remove}>
        <p>Their history (status, usage) is removed from this list. The skill itself stays, and so do the files its
          runs wrote. Running it again from Skills lists it here again.</p>
      <//>
    `;
  }
  return html`
    <${ConfirmDialog} title=${`Delete “${schedule.name}”?`} confirmLabel="Delete schedule" busyLabel="Deleting…"
      onClose=${onClose} onConfirm=${remove}>
      <p>It stops running and its run history is deleted. Files its runs wrote stay in the project.</p>
    <//>
  `;
}

export default function SchedulesScreen({ user }) {
  const projects = useProjects();
  const { schedules, error, load, put, remove } = useSchedules();
  const [view, setView] = useState(null); // { kind: 'new' | 'edit' | 'history', schedule }
  const [deleting, setDeleting] = useState(null);
  const [flash, setFlash] = useState(null);
  const projectNames = new Map((projects.projects || []).map((p) => [p.id, p.name]));
  const timed = schedules && schedules.filter((s) => s.kind !== 'on_demand');
  const byHand = schedules ? schedules.filter((s) => s.kind === 'on_demand') : [];
  const noProjects = projects.projects && !projects.projects.length;

  const open = (next, focusId) => {
    setView(next);
    setFlash(null);
    if (focusId) focusLater(focusId);
  };
  const saved = (schedule, created) => {
    put(schedule);
    open({ kind: 'history', schedule }, 'history-title');
    setFlash({ tone: 'ok', message: created ? `Created “${schedule.name}”.` : `Saved “${schedule.name}”.` });
  };
  const toggle = async (schedule, enabled) => {
    try {
      put(await api.patch(`/api/schedules/${encodeURIComponent(schedule.id)}`, { enabled }));
      setFlash({ tone: 'ok', message: `“${schedule.name}” is ${enabled ? 'on' : 'off'}.` });
    } catch (err) {
      setFlash({ tone: 'bad', message: err.message });
    }
  };
  const deleted = (schedule) => {
    remove(schedule.id);
    setDeleting(null);
    if (view?.schedule?.id === schedule.id) setView(null);
    setFlash({
      tone: 'ok',
      message: schedule.kind === 'on_demand' ? `Removed the runs of “${schedule.skillName || schedule.name}” from the list.` : `Deleted “${schedule.name}”.`,
    });
    focusLater('schedules-title');
  };
  const closeView = () => {
    setView(null);
    focusLater('schedules-title');
  };

  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Schedules</h1>
        <p class="page-lead">Run a prompt or a skill on a schedule. Every run keeps its status, usage and output file.</p>
      </header>
      <${LimitedModeBanner} user=${user} />

      ${view?.kind === 'new' || view?.kind === 'edit'
        ? html`<${ScheduleEditor} key=${view.schedule?.id || 'new'} schedule=${view.schedule} projects=${projects.projects || []}
            onSaved=${saved} onCancel=${closeView} />`
        : null}

      <section class="card" aria-labelledby="schedules-title">
        <div class="card-header">
          <h2 id="schedules-title" tabindex="-1"><${Icon} name="schedules" size=${20} /> Your schedules
            ${timed && html`<span class="count">${timed.length}</span>`}</h2>
          <button type="button" class="button button-primary" disabled=${!projects.projects?.length || view?.kind === 'new'}
            onClick=${() => open({ kind: 'new' }, 'schedule-name')}>
            <${Icon} name="plus" size=${18} /> New schedule
          </button>
        </div>
        <div class="flash" role="status" data-tone=${flash?.tone}>${flash?.message || ''}</div>
        ${(error || projects.error) && html`
          <div class="callout callout-bad callout-row" role="alert">
            <p>${error || projects.error}</p>
            <button type="button" class="button button-small button-secondary" onClick=${() => { load(); projects.reload(); }}>Try again</button>
          </div>`}
        ${!schedules && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading schedules…</p>`}
        ${timed && !timed.length && (noProjects
          ? html`<p class="card-empty">Schedules run in a project, and you have none yet. Create one on the
              <${Link} href="/chat">Chat</${Link}> screen first.</p>`
          : html`<p class="card-empty">No schedules yet. Press <strong>New schedule</strong>, write a prompt and
              pick when it runs — “every weekday at 9:00”, say.</p>`)}
        ${timed?.length > 0 && html`<${ScheduleTable} schedules=${timed} projectNames=${projectNames}
          selectedId=${view?.schedule?.id} onToggle=${toggle}
          onHistory=${(s) => open({ kind: 'history', schedule: s }, 'history-title')}
          onEdit=${(s) => open({ kind: 'edit', schedule: s }, 'schedule-editor-title')}
          onDelete=${setDeleting} />`}
      </section>

      ${byHand.length > 0 && html`
        <section class="card" aria-labelledby="skill-runs-title">
          <div class="card-header">
            <h2 id="skill-runs-title" tabindex="-1"><${Icon} name="skills" size=${20} /> Skills you ran by hand
              <span class="count">${byHand.length}</span></h2>
          </div>
          <p class="card-note">Runs started with <strong>Run</strong> on the <${Link} href="/skills">Skills</${Link}> screen.
            They are not schedules: they only run when you start them.</p>
          <${SkillRunsTable} runs=${byHand} projectNames=${projectNames} selectedId=${view?.schedule?.id}
            onHistory=${(s) => open({ kind: 'history', schedule: s }, 'history-title')} onDelete=${setDeleting} />
        </section>`}

      ${view?.kind === 'history' && html`<${ScheduleHistory} key=${view.schedule.id} schedule=${view.schedule}
        onRunEnded=${load} onClose=${closeView} />`}
      ${deleting && html`<${DeleteScheduleDialog} schedule=${deleting} onClose=${() => setDeleting(null)} onDeleted=${deleted} />`}
    </div>
  `;
}
