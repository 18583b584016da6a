// "Personas and guides": a persona gives Claude a role for a chat, a guide is a set of instructions to apply to
// one. Both are listed here, written in a dialog and deleted after confirming; a chat's settings apply them.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

const KINDS = {
  persona: {
    path: '/api/personas',
    textKey: 'prompt',
    title: 'Personas',
    one: 'persona',
    textLabel: 'Prompt',
    textHint: 'Who Claude is in the chat and how it works. It is added to Claude’s instructions on every message.',
    namePlaceholder: 'e.g. Careful financial analyst',
    textPlaceholder: 'You are a careful financial analyst. Check every figure against its source…',
    empty: 'A persona gives Claude a role for a chat, e.g. “Careful financial analyst”. Create one, then pick it in a chat’s settings.',
  },
  guide: {
    path: '/api/guides',
    textKey: 'body',
    title: 'Guides',
    one: 'guide',
    textLabel: 'Instructions',
    textHint: 'Markdown. Added to Claude’s instructions on every message of the chats it is applied to.',
    namePlaceholder: 'e.g. House style',
    textPlaceholder: '# House style\n\n- Write in British English.\n- Keep summaries under 200 words.',
    empty: 'A guide is a set of instructions you can apply to a chat, e.g. a house style or a review checklist. A chat can apply several.',
  },
};

const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
const itemPath = (kind, id) => `${kind.path}/${encodeURIComponent(id)}`;

/** A kind's list from the API, kept in name order as items are saved or deleted here. */
function useItems(kind) {
  const [items, setItems] = useState(null); // null while loading
  const [error, setError] = useState(null);
  const load = () => {
    setError(null);
    api.get(kind.path).then((list) => setItems([...list].sort(byName)), (err) => setError(err.message));
  };
  useEffect(load, [kind]);
  const put = (item) => setItems((list) => [...(list || []).filter((i) => i.id !== item.id), item].sort(byName));
  const drop = (id) => setItems((list) => (list || []).filter((i) => i.id !== id));
  return { items, error, load, put, drop };
}

function EditorDialog({ kind, item, onSaved, onClose }) {
  const { busy, error, setError, onSubmit } = useSubmit(async ({ name, text }) => {
    const clean = name.trim();
    if (!clean) return setError(`Give the ${kind.one} a name.`);
    if (!text.trim()) return setError(`Write the ${kind.one}’s ${kind.textLabel.toLowerCase()}.`);
    const body = { name: clean, [kind.textKey]: text };
    onSaved(await (item ? api.put(itemPath(kind, item.id), body) : api.post(kind.path, body)));
  });
  const id = `${kind.one}-editor`;
  return html`
    <${Dialog} title=${item ? `Edit “${item.name}”` : `New ${kind.one}`} onClose=${onClose}>
      <form class="form prompt-editor" onSubmit=${onSubmit}>
        <${Field} id=${`${id}-name`} label="Name" name="name" required maxlength="100" autocomplete="off"
          defaultValue=${item?.name || ''} placeholder=${kind.namePlaceholder} data-autofocus />
        <div class="field">
          <label for=${`${id}-text`}>${kind.textLabel}</label>
          <textarea id=${`${id}-text`} class="input textarea prompt-editor-text" name="text" rows="8" required
            maxlength="20000" placeholder=${kind.textPlaceholder} aria-describedby=${`${id}-text-hint`}
            defaultValue=${item?.[kind.textKey] || ''}></textarea>
          <p class="hint" id=${`${id}-text-hint`}>${kind.textHint}</p>
        </div>
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label=${item ? 'Save' : `Create ${kind.one}`} busyLabel="Saving…" />
        </div>
      </form>
    <//>
  `;
}

function DeleteDialog({ kind, item, onDeleted, onClose }) {
  const remove = async () => {
    await api.delete(itemPath(kind, item.id));
    onDeleted(item);
  };
  return html`
    <${ConfirmDialog} title=${`Delete “${item.name}”?`} confirmLabel=${`Delete ${kind.one}`} busyLabel="Deleting…"
      onClose=${onClose} onConfirm=${remove}>
      <p>Chats that use this ${kind.one} go on without it. This cannot be undone.</p>
    <//>
  `;
}

function ItemList({ kind, items, onEdit, onDelete }) {
  if (!items.length) return html`<p class="card-empty prompt-empty">${kind.empty}</p>`;
  return html`
    <ul class="prompt-list">
      ${items.map((item) => html`
        <li key=${item.id} class="prompt-item">
          <div class="prompt-item-text">
            <p class="prompt-name">${item.name}${item.isDefault && html` <span class="badge badge-accent">Default</span>`}</p>
            <p class="prompt-preview">${item[kind.textKey]}</p>
          </div>
          <div class="prompt-actions">
            <button type="button" class="button button-small button-secondary" onClick=${() => onEdit(item)}>
              Edit<span class="sr-only"> ${item.name}</span>
            </button>
            <button type="button" class="button button-small button-ghost-danger" onClick=${() => onDelete(item)}>
              Delete<span class="sr-only"> ${item.name}</span>
            </button>
          </div>
        </li>`)}
    </ul>
  `;
}

/** One kind's column: its list (or why it is empty), "New …", and the dialogs that change it. */
function Library({ kindName, onDone }) {
  const kind = KINDS[kindName];
  const { items, error, load, put, drop } = useItems(kind);
  const [dialog, setDialog] = useState(null); // { mode: 'edit' | 'delete', item }
  const titleId = `${kindName}s-title`;
  const close = () => setDialog(null);
  const saved = (item) => {
    put(item);
    close();
    onDone(`“${item.name}” is saved.`);
  };
  const deleted = (item) => {
    drop(item.id);
    close();
    onDone(`“${item.name}” was deleted.`);
    requestAnimationFrame(() => document.getElementById(titleId)?.focus()); // its buttons held the focus
  };
  return html`
    <section class="prompt-library" aria-labelledby=${titleId}>
      <div class="prompt-library-head">
        <h3 id=${titleId} tabindex="-1">${kind.title} ${items && html`<span class="count">${items.length}</span>`}</h3>
        <button type="button" class="button button-small" onClick=${() => setDialog({ mode: 'edit', item: null })}>
          <${Icon} name="plus" size=${16} /> New ${kind.one}
        </button>
      </div>
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>Could not load your ${kind.one}s: ${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${load}>Try again</button>
        </div>`}
      ${!items && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading…</p>`}
      ${items && html`<${ItemList} kind=${kind} items=${items} onEdit=${(item) => setDialog({ mode: 'edit', item })}
        onDelete=${(item) => setDialog({ mode: 'delete', item })} />`}
      ${dialog?.mode === 'edit' && html`<${EditorDialog} kind=${kind} item=${dialog.item} onSaved=${saved} onClose=${close} />`}
      ${dialog?.mode === 'delete' && html`<${DeleteDialog} kind=${kind} item=${dialog.item} onDeleted=${deleted} onClose=${close} />`}
    </section>
  `;
}

export function PromptLibrary() {
  const [done, setDone] = useState(null);
  return html`
    <section class="card" aria-labelledby="prompts-title">
      <div class="card-header">
        <h2 id="prompts-title"><${Icon} name="users" size=${20} /> Personas and guides</h2>
      </div>
      <p class="card-lead">Shape how Claude works in a chat: pick a persona and apply guides with the chat’s${' '}
        <strong>Chat settings</strong> button. Only you see yours.</p>
      <div class="flash" role="status">${done || ''}</div>
      <div class="prompt-libraries">
        <${Library} kindName="persona" onDone=${setDone} />
        <${Library} kindName="guide" onDone=${setDone} />
      </div>
    </section>
  `;
}
