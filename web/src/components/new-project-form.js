// "Name a new project" inline form, shared by the Chat screen's side panel and the Files screen's picker.
import { FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';

/** `first`: the user has no project yet (no Cancel, and `firstLabel` as the label); `onCreate(name)` resolves once made. */
export function NewProjectForm({ id, first, firstLabel = 'Name your first project', class: extraClass = '', onCreate, onCancel }) {
  const focus = useAutoFocus();
  const { busy, error, setError, onSubmit } = useSubmit(async ({ name }) => {
    const clean = name.trim();
    if (!clean) return setError('Give the project a name.');
    await onCreate(clean);
  });
  return html`
    <form class=${`project-create ${extraClass}`.trim()} onSubmit=${onSubmit}>
      <label for=${id}>${first ? firstLabel : 'New project name'}</label>
      <input id=${id} ref=${focus} class="input" name="name" required maxlength="100" autocomplete="off"
        placeholder="e.g. Quarterly report" />
      <${FormError} message=${error} />
      <div class="project-create-actions">
        ${!first && html`<button type="button" class="button button-small button-secondary" onClick=${onCancel}>Cancel</button>`}
        <${SubmitButton} busy=${busy} label="Create project" busyLabel="Creating…" class="button button-small button-primary" />
      </div>
    </form>
  `;
}
