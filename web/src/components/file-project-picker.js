// The Files screen's project picker: a <select> of the caller's projects and "+" to name a new one inline (the
// first one is asked for in place), as the Chat screen's side panel does.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { NewProjectForm } from './new-project-form.js';

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
      ${(first || creating) && html`<${NewProjectForm} id="files-new-project" class="files-project-create" first=${first}
        firstLabel="Files live in a project. Name your first project" onCreate=${create} onCancel=${() => setCreating(false)} />`}
    </div>
  `;
}
