// Editing a text file: the whole file in a textarea. Saving sends the etag it was opened with, so a file changed
// since (by Claude, another tab, an upload) is not overwritten by surprise: the 409 offers to reload it instead.
// Save closes the editor; Ctrl+S (⌘S on a Mac) saves and keeps editing, with "Saved" shown until the next change.
import { useEffect, useRef, useState } from 'preact/hooks';
import { filesApi } from '../files/api.js';
import { FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';

const isSaveKey = (event) => (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's';

export function FileEditor({ projectId, file, onSaved, onCancel, onReload, onDirty }) {
  const [text, setText] = useState(file.content ?? '');
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState(null); // the text Ctrl+S saved last, while it is still what is in the editor
  const focus = useAutoFocus();
  const dirty = text !== (file.content ?? '');
  useEffect(() => onDirty(dirty), [dirty]);
  useEffect(() => () => onDirty(false), []);

  const save = async (etag, { stay = false } = {}) => {
    try {
      const answer = await filesApi.save(projectId, file.path, text, etag);
      setConflict(false);
      if (stay) setSaved(text);
      onSaved({ ...file, ...answer, content: text }, { stay });
    } catch (err) {
      if (err.code !== 'file_changed') throw err;
      setConflict(true);
    }
  };
  const { busy, error, setError, onSubmit } = useSubmit(() => save(file.etag));
  const [overwriting, setOverwriting] = useState(false);
  const [keySaving, setKeySaving] = useState(false);
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

  // Ctrl+S / ⌘S anywhere on the page while the editor is open: saves here instead of the browser's "Save page".
  const latest = useRef(null);
  latest.current = async () => {
    if (busy || keySaving || overwriting || conflict) return;
    if (!dirty) {
      setSaved(text);
      return;
    }
    setKeySaving(true);
    setError(null);
    try {
      await save(file.etag, { stay: true });
    } catch (err) {
      setError(err.message);
    } finally {
      setKeySaving(false);
    }
  };
  useEffect(() => {
    const onKey = (event) => {
      if (!isSaveKey(event)) return;
      event.preventDefault();
      latest.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const state = keySaving ? 'Saving…' : saved !== null && saved === text && !dirty ? 'Saved' : '';
  return html`
    <form class="form file-editor" onSubmit=${onSubmit}>
      <div class="field">
        <label for="file-editor-text">Content of ${file.name}</label>
        <textarea id="file-editor-text" ref=${focus} class="input file-editor-text" spellcheck="false"
          aria-describedby="file-editor-keys" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
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
      <div class="form-actions file-editor-actions">
        <${SubmitButton} busy=${busy} label="Save" busyLabel="Saving…" disabled=${busy || keySaving || !dirty} />
        <button type="button" class="button button-secondary" onClick=${onCancel}>${dirty ? 'Cancel' : 'Close'}</button>
        <span class="file-editor-state" role="status" data-state=${state ? state.toLowerCase().replace('…', '') : 'idle'}>${state}</span>
        <span class="muted file-editor-keys" id="file-editor-keys">${navigator.platform?.startsWith('Mac') ? '⌘S' : 'Ctrl+S'} saves and keeps editing</span>
      </div>
    </form>
  `;
}
