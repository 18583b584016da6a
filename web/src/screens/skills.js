// Skills: reusable instructions kept as SKILL.md files in a project. Pick a project; list, write (from a
// template), delete and run its skills, and watch a run until it ends.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { rememberedProject, useProjects } from '../chat/projects.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { SkillEditor } from '../components/skill-editor.js';
import { SkillRun } from '../components/skill-run.js';
import { LimitedModeBanner } from '../components/limited-mode-banner.js';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';
import { TEMPLATES } from '../skills/templates.js';

const KINDS = { skill: 'Skill', workflow: 'Workflow', 'agent-flow': 'Agent flow' };
const skillUrl = (name, projectId) => `/api/skills/${encodeURIComponent(name)}?projectId=${encodeURIComponent(projectId)}`;
const focusLater = (id) => requestAnimationFrame(() => document.getElementById(id)?.focus());

function useSkills(projectId) {
  const [state, setState] = useState({ projectId: null, skills: null, error: null });
  const load = useCallback(() => {
    if (!projectId) return;
    // An answer for a project no longer shown is dropped: it can come after the shown project's own.
    const settle = (next) => setState((shown) => (shown.projectId === projectId ? next : shown));
    api.get(`/api/skills?projectId=${encodeURIComponent(projectId)}`).then(
      (list) => settle({ projectId, skills: list, error: null }),
      (err) => settle({ projectId, skills: null, error: err.message }),
    );
  }, [projectId]);
  useEffect(() => {
    setState({ projectId, skills: null, error: null });
    load();
  }, [load]);
  return { ...(state.projectId === projectId ? state : { skills: null, error: null }), load };
}

function DeleteSkillDialog({ projectId, skill, onClose, onDeleted }) {
  const remove = async () => {
    await api.delete(skillUrl(skill.name, projectId));
    onDeleted(skill);
  };
  return html`
    <${ConfirmDialog} title=${`Delete “${skill.title || skill.name}”?`} confirmLabel="Delete skill" busyLabel="Deleting…"
      onClose=${onClose} onConfirm=${remove}>
      <p>Its folder (<code>.claude/skills/${skill.name}/</code>) is deleted from the project. Schedules that run it will fail until it is back.</p>
    <//>
  `;
}

function SkillTable({ skills, canWrite, running, onRun, onEdit, onDelete }) {
  return html`
    <div class="table-wrap">
      <table class="table table-stack">
        <caption class="sr-only">Skills of this project</caption>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Kind</th>
            <th scope="col">Changed</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          ${skills.map((skill) => html`
            <tr key=${skill.name} data-skill=${skill.name}>
              <th scope="row" class="cell-wrap" data-label="Name">
                <span class="skill-title">${skill.title || skill.name}</span>
                ${skill.title && skill.title !== skill.name && html`<div><code class="skill-identifier">${skill.name}</code></div>`}
              </th>
              <td class="cell-wrap" data-label="Description">${skill.description || html`<span class="muted">No description</span>`}
                ${skill.error && html`<div class="skill-error"><${Icon} name="alert" size=${14} /> ${skill.error}</div>`}</td>
              <td data-label="Kind"><span class=${`badge${skill.kind === 'skill' ? '' : ' badge-accent'}`}>${KINDS[skill.kind] || skill.kind}</span>
                ${skill.stepCount > 0 && html` <span class="muted">${skill.stepCount} steps</span>`}</td>
              <td data-label="Changed"><${DateText} value=${skill.updatedAt} ago /></td>
              <td class="row-actions">
                <button type="button" class="button button-small button-primary" onClick=${() => onRun(skill)}
                  disabled=${!canWrite || Boolean(skill.error) || running}
                  title=${skill.error ? 'Fix SKILL.md first' : undefined}>Run<span class="sr-only"> ${skill.name}</span></button>
                <button type="button" class="button button-small button-secondary" onClick=${() => onEdit(skill)}>
                  ${canWrite ? 'Edit' : 'View'}<span class="sr-only"> ${skill.name}</span></button>
                ${canWrite && html`<button type="button" class="button button-small button-ghost-danger" onClick=${() => onDelete(skill)}>
                  Delete<span class="sr-only"> ${skill.name}</span></button>`}
              </td>
            </tr>`)}
        </tbody>
      </table>
    </div>
  `;
}

export default function SkillsScreen({ user }) {
  const projects = useProjects();
  const [chosen, setChosen] = useState(null);
  const list = projects.projects || [];
  const project = list.find((p) => p.id === chosen) || list.find((p) => p.id === rememberedProject(user?.id)) || list[0] || null;
  const projectId = project?.id || null;
  const { skills, error, load } = useSkills(projectId);
  const [editor, setEditor] = useState(null); // { skill } or { template }
  const [deleting, setDeleting] = useState(null);
  const [run, setRun] = useState(null); // { name, pollUrl }
  const [flash, setFlash] = useState(null);

  useEffect(() => {
    setEditor(null);
    setRun(null);
    setFlash(null);
  }, [projectId]);

  const edit = async (summary) => {
    setFlash(null);
    try {
      setEditor({ skill: await api.get(skillUrl(summary.name, projectId)) });
    } catch (err) {
      setFlash({ tone: 'bad', message: err.message });
    }
  };
  const startRun = async (skill) => {
    setFlash(null);
    try {
      const accepted = await api.post(`/api/skills/${encodeURIComponent(skill.name)}/run`, { projectId });
      setRun({ name: skill.title || skill.name, pollUrl: accepted.pollUrl });
    } catch (err) {
      setFlash({ tone: 'bad', message: err.message });
    }
  };
  const saved = (skill, created) => {
    setEditor(null);
    load();
    const title = skill.frontMatter?.title || skill.name;
    setFlash({ tone: 'ok', message: created ? `Created “${title}”.` : `Saved “${title}”.` });
    focusLater('skills-title');
  };
  const deleted = (skill) => {
    setDeleting(null);
    load();
    setFlash({ tone: 'ok', message: `Deleted ${skill.name}.` });
    focusLater('skills-title');
  };
  const newSkill = (template) => {
    setFlash(null);
    setEditor({ template: TEMPLATES[template] });
  };
  const canWrite = Boolean(project?.canWrite);

  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Skills</h1>
        <p class="page-lead">Reusable instructions kept as SKILL.md files in a project. Run one now, or put it on a schedule.</p>
      </header>
      <${LimitedModeBanner} user=${user} />

      ${projects.error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>${projects.error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${projects.reload}>Try again</button>
        </div>`}
      ${!projects.projects && !projects.error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading your projects…</p>`}
      ${projects.projects && !list.length && html`
        <p class="card-empty">Skills live in a project, and you have none yet. Create one on the <${Link} href="/chat">Chat</${Link}> screen first.</p>`}

      ${project && html`
        <div class="project-select">
          <label for="skills-project">Project</label>
          <select id="skills-project" class="input" value=${projectId} onChange=${(e) => setChosen(e.currentTarget.value)}>
            ${list.map((p) => html`<option key=${p.id} value=${p.id}>${p.name}</option>`)}
          </select>
        </div>`}

      ${editor && html`<${SkillEditor} key=${editor.skill?.name || editor.template} projectId=${projectId} skill=${editor.skill}
        template=${editor.template} readOnly=${!canWrite} onSaved=${saved} onCancel=${() => { setEditor(null); focusLater('skills-title'); }} />`}

      ${project && html`
        <section class="card" aria-labelledby="skills-title">
          <div class="card-header">
            <h2 id="skills-title" tabindex="-1"><${Icon} name="skills" size=${20} /> Skills of ${project.name}
              ${skills && html`<span class="count">${skills.length}</span>`}</h2>
            ${canWrite && html`<div class="card-actions">
              <button type="button" class="button button-secondary" onClick=${() => newSkill('workflow')}>New workflow</button>
              <button type="button" class="button button-primary" onClick=${() => newSkill('skill')}><${Icon} name="plus" size=${18} /> New skill</button>
            </div>`}
          </div>
          <div class="flash" role="status" data-tone=${flash?.tone}>${flash?.message || ''}</div>
          ${run && html`<${SkillRun} key=${run.pollUrl} name=${run.name} projectId=${projectId} pollUrl=${run.pollUrl} onDismiss=${() => setRun(null)} />`}
          ${error && html`
            <div class="callout callout-bad callout-row" role="alert">
              <p>${error}</p>
              <button type="button" class="button button-small button-secondary" onClick=${load}>Try again</button>
            </div>`}
          ${!skills && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading skills…</p>`}
          ${skills && !skills.length && html`<p class="card-empty">No skills in this project yet. Press <strong>New skill</strong> for
            a template to start from: a name, a one-line description and the instructions Claude follows.</p>`}
          ${skills?.length > 0 && html`<${SkillTable} skills=${skills} canWrite=${canWrite} running=${false}
            onRun=${startRun} onEdit=${edit} onDelete=${setDeleting} />`}
        </section>`}

      ${deleting && html`<${DeleteSkillDialog} projectId=${projectId} skill=${deleting} onClose=${() => setDeleting(null)} onDeleted=${deleted} />`}
    </div>
  `;
}
