// Editing a text file: the whole file in a textarea. Saving sends the etag it was opened with, so a file changed
// since (by Claude, another tab, an upload) is not overwritten by surprise: the 409 offers to reload it instead.
import { useEffect, useState } from 'preact/hooks';
import { filesApi } from '../files/api.js';
import { FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';

export function FileEditor({ projectId, file, onSaved, onCancel, onReload, onDirty }) {
  const [text, setText] = useState(file.content ?? '');
  const [conflict, setConflict] = useState(false);
  const focus = useAutoFocus();
  const dirty = text !== (file.content ?? '');
  useEffect(() => onDirty(dirty), [dirty]);
  useEffect(() => () => onDirty(false), []);

  const save = async (etag) => {
    try {
      const saved = await filesApi.save(projectId, file.path, text, etag);
      onSaved({ ...file, ...saved, content: text });
    } catch (err) {
      if (err.code !== 'file_changed') throw err;
      setConflict(true);
    }
  };
  const { busy, error, setError, onSubmit } = useSubmit(() => save(file.etag));
  const [overwriting, setOverwriting] = useState(false);
  const overwrite = async () => {
    setOverwriting(true);
    setError(null);
    try {
      await save(undefined);
    } catch (err) {
      setError(err.message);
    } finally {
      setOverwriting(false);
    }
  };

  return html`
    <form class="form file-editor" onSubmit=${onSubmit}>
      <div class="field">
        <label for="file-editor-text">Content of ${file.name}</label>
        <textarea id="file-editor-text" ref=${focus} class="input file-editor-text" spellcheck="false"
          value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
      </div>
      ${conflict && html`
        <div class="callout callout-bad file-conflict" role="alert">
          <p><strong>${file.name} changed since you opened it.</strong> Reload it to see the new version (your
            changes here are lost), or save yours over it.</p>
          <div class="form-actions">
            <button type="button" class="button button-small button-secondary" onClick=${onReload}>Reload the file</button>
            <button type="button" class="button button-small button-ghost-danger" disabled=${overwriting}
              onClick=${overwrite}>Save mine over it</button>
          </div>
        </div>`}
      <${FormError} message=${error} />
      <div class="form-actions">
        <${SubmitButton} busy=${busy} label="Save" busyLabel="Saving…" disabled=${busy || !dirty} />
        <button type="button" class="button button-secondary" onClick=${onCancel}>Cancel</button>
      </div>
    </form>
  `;
}
