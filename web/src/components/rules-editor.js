// Editing one CLAUDE.md: the whole text in a textarea, saved as a new version on top of the one it was opened at.
// Someone else's newer save answers 409 with their version: load it (dropping these edits) or save these over it.
import { useEffect, useState } from 'preact/hooks';
import { DateText } from '../format.js';
import { FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { SOURCES, byteSize, formatBytes, rulesApi } from '../rules/api.js';

function Current({ doc }) {
  if (!doc.version) return html`<p class="rules-meta muted" id="rules-current">No rules saved yet.</p>`;
  return html`
    <p class="rules-meta" id="rules-current">
      Version ${doc.version} · saved by <strong>${doc.authorName || 'someone unknown'}</strong>
      ${' '}<${DateText} value=${doc.createdAt} ago /> · ${SOURCES[doc.source] || doc.source}
    </p>
  `;
}

function Conflict({ current, busy, onLoad, onOverwrite }) {
  return html`
    <div class="callout callout-bad" role="alert" id="rules-conflict">
      <p><strong>Someone saved a newer version</strong>${current && html` (version ${current.version}, by
        ${current.authorName || 'someone unknown'})`}. Load it to see it (your changes here are lost), or save yours over it.</p>
      <div class="form-actions">
        <button type="button" class="button button-small button-secondary" onClick=${onLoad}>Load the newer version</button>
        <button type="button" class="button button-small button-ghost-danger" disabled=${busy} onClick=${onOverwrite}>Save mine over it</button>
      </div>
    </div>
  `;
}

/** `doc` is the document opened; `onSaved(doc)` after a save, `onLoad(doc | null)` to open a newer one (null: fetch it), `onDirty(bool)`. */
export function RulesEditor({ where, doc, label, onSaved, onLoad, onDirty }) {
  const [text, setText] = useState(doc.content ?? '');
  const [conflict, setConflict] = useState(null); // { current } once a save lost the race
  const [overwriteError, setOverwriteError] = useState(null);
  const dirty = text !== (doc.content ?? '');
  const bytes = byteSize(text);
  const tooBig = Boolean(doc.maxBytes) && bytes > doc.maxBytes;
  useEffect(() => onDirty(dirty), [dirty]);
  useEffect(() => () => onDirty(false), []);

  const save = async (baseVersion) => {
    setOverwriteError(null);
    try {
      const saved = await rulesApi.save(where, text, baseVersion);
      setConflict(null);
      onSaved(saved, saved.changed === false ? 'Nothing changed: the text is the same as the active version.' : `Saved as version ${saved.version}.`);
    } catch (err) {
      if (err.code !== 'version_conflict') throw err;
      setConflict({ current: err.detail?.current ?? null });
    }
  };
  const { busy, error, onSubmit } = useSubmit(() => save(doc.version));
  const [overwriting, setOverwriting] = useState(false);
  const saveOver = async () => {
    setOverwriting(true);
    try {
      await save(conflict.current?.version ?? doc.version);
    } catch (err) {
      setOverwriteError(err.message);
    } finally {
      setOverwriting(false);
    }
  };

  return html`
    <form class="form rules-editor" onSubmit=${onSubmit}>
      <${Current} doc=${doc} />
      <div class="field">
        <label for="rules-text">${label}</label>
        <textarea id="rules-text" class="input rules-text" spellcheck="false" readonly=${!doc.canEdit}
          aria-describedby="rules-size" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
        <p class=${`hint${tooBig ? ' hint-bad' : ''}`} id="rules-size">
          ${formatBytes(bytes)}${doc.maxBytes ? ` of at most ${formatBytes(doc.maxBytes)}` : ''}${tooBig ? ': shorten it to save.' : ''}
        </p>
      </div>
      ${!doc.canEdit && html`<p class="callout callout-info" id="rules-read-only">You can read these rules but not
        change them: ask an owner or editor of the project.</p>`}
      ${conflict && html`<${Conflict} current=${conflict.current} busy=${overwriting}
        onLoad=${() => onLoad(conflict.current)} onOverwrite=${saveOver} />`}
      <${FormError} message=${error || overwriteError} />
      ${doc.canEdit && html`
        <div class="form-actions">
          <${SubmitButton} busy=${busy} label="Save" busyLabel="Saving…" disabled=${busy || !dirty || tooBig} />
          <button type="button" class="button button-secondary" disabled=${!dirty} onClick=${() => setText(doc.content ?? '')}>
            Undo my changes</button>
        </div>`}
    </form>
  `;
}
