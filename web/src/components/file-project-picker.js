// The Files screen's project picker: a <select> of the caller's projects and "+" to name a new one inline (the
// first one is asked for in place), as the Chat screen's side panel does.
import { useState } from 'preact/hooks';
import { FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

function NewProjectForm({ first, onCreate, onCancel }) {
  const focus = useAutoFocus();
  const { busy, error, setError, onSubmit } = useSubmit(async ({ name }) => {
    const clean = name.trim();
    if (!clean) return setError('Give the project a name.');
    await onCreate(clean);
  });
  return html`
    <form class="project-create files-project-create" onSubmit=${onSubmit}>
      <label for="files-new-project">${first ? 'Files live in a project. Name your first project' : 'New project name'}</label>
      <input id="files-new-project" ref=${focus} class="input" name="name" required maxlength="100" autocomplete="off"
        placeholder="e.g. Quarterly report" />
      <${FormError} message=${error} />
      <div class="project-create-actions">
        ${!first && html`<button type="button" class="button button-small button-secondary" onClick=${onCancel}>Cancel</button>`}
        <${SubmitButton} busy=${busy} label="Create project" busyLabel="Creating…" class="button button-small button-primary" />
      </div>
    </form>
  `;
}

/** `projects` is useProjects(); `onPick(id)` and `onCreate(name)` (resolves once created and picked). */
export function FileProjectPicker({ projects, projectId, onPick, onCreate }) {
  const [creating, setCreating] = useState(false);
  if (projects.error) {
    return html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>Could not load your projects: ${projects.error}</p>
        <button type="button" class="button button-small button-secondary" onClick=${projects.reload}>Try again</button>
      </div>`;
  }
  const list = projects.projects;
  if (!list) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading your projects…</p>`;
  const first = list.length === 0;
  const create = async (name) => {
    await onCreate(name);
    setCreating(false);
  };
  return html`
    <div class="files-project">
      ${!first && html`
        <div class="project-select">
          <label for="files-project">Project</label>
          <select id="files-project" class="input" value=${projectId || ''} onChange=${(e) => onPick(e.currentTarget.value)}>
            ${list.map((p) => html`<option key=${p.id} value=${p.id}>${p.name}</option>`)}
          </select>
          <button type="button" class="icon-button icon-button-boxed" aria-label="New project" title="New project"
            aria-expanded=${creating ? 'true' : 'false'} onClick=${() => setCreating(!creating)}>
            <${Icon} name="plus" size=${18} />
          </button>
        </div>`}
      ${(first || creating) && html`<${NewProjectForm} first=${first} onCreate=${create} onCancel=${() => setCreating(false)} />`}
    </div>
  `;
}
