// The SKILL.md editor: the whole file in a monospace textarea; the server checks it and its reason shows inline.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { declaredName } from '../skills/templates.js';

const skillUrl = (name, projectId) => `/api/skills/${encodeURIComponent(name)}?projectId=${encodeURIComponent(projectId)}`;

export function SkillEditor({ projectId, skill, template, readOnly = false, onSaved, onCancel }) {
  const editing = Boolean(skill);
  const [content, setContent] = useState(skill ? skill.content : template);
  const ref = useAutoFocus();
  const { busy, error, setError, onSubmit } = useSubmit(async () => {
    const name = editing ? skill.name : declaredName(content);
    if (!name) {
      setError('The front matter needs a name, e.g. “name: weekly-report” between the two “---” lines.');
      return;
    }
    onSaved(await api.put(skillUrl(name, projectId), { content }), !editing);
  });
  return html`
    <section class="card" aria-labelledby="skill-editor-title">
      <div class="card-header">
        <h2 id="skill-editor-title" tabindex="-1">${!editing ? 'New skill' : readOnly ? skill.name : `Edit ${skill.name}`}</h2>
        ${editing && html`<code class="path">${skill.path}</code>`}
      </div>
      <form class="form" onSubmit=${onSubmit}>
        <div class="field">
          <label for="skill-content">SKILL.md</label>
          <textarea id="skill-content" ref=${ref} class="input skill-editor-text" spellcheck="false" required readonly=${readOnly}
            value=${content} onInput=${(e) => setContent(e.currentTarget.value)}
            aria-invalid=${error ? 'true' : 'false'} aria-describedby="skill-content-hint"></textarea>
          <p class="hint" id="skill-content-hint">Front matter between the “---” lines: <code>name</code> (lower-case
            letters, digits and “-”), a one-line <code>description</code>, and for a workflow <code>kind: workflow</code>
            with <code>steps</code>. The text after it is what Claude is asked to do.</p>
        </div>
        <${FormError} message=${error} />
        <div class="form-actions">
          ${!readOnly && html`<${SubmitButton} busy=${busy} label=${editing ? 'Save changes' : 'Create skill'} busyLabel="Saving…" />`}
          <button type="button" class="button button-secondary" onClick=${onCancel}>${readOnly ? 'Close' : 'Cancel'}</button>
        </div>
      </form>
    </section>
  `;
}
