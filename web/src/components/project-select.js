// A screen's project picker (Rules, Git, Meetings): the caller's projects in a <select>, with the list's loading,
// failure and empty states. `projects` is useProjects(); `id` names the <select> for its label; `optional` offers
// "No project" first (picked as null).
import { html } from '../html.js';

export function ProjectSelect({ id, className = '', projects, projectId, onPick, optional = false }) {
  if (projects.error) {
    return html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>Could not load your projects: ${projects.error}</p>
        <button type="button" class="button button-small button-secondary" onClick=${projects.reload}>Try again</button>
      </div>`;
  }
  if (!projects.projects) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading your projects…</p>`;
  if (!projects.projects.length && !optional) return html`<p class="card-empty">You have no projects yet: start one in Chat or Files.</p>`;
  return html`
    <div class=${`project-select ${className}`.trim()}>
      <label for=${id}>Project${optional && html` <span class="optional">(optional)</span>`}</label>
      <select id=${id} class="input" value=${projectId || ''} onChange=${(e) => onPick(e.currentTarget.value || null)}>
        ${optional && html`<option value="">No project</option>`}
        ${projects.projects.map((p) => html`<option key=${p.id} value=${p.id}>${p.name}</option>`)}
      </select>
    </div>
  `;
}
