// "API keys": create a key for an integration, with the access it gets (its secrets are shown once), see your keys
// and their access, deactivate one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { DateText } from '../format.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { SecretField } from './secret-field.js';

const newestFirst = (a, b) => b.createdAt.localeCompare(a.createdAt);

// What a key may do (its `scope`, docs/accounts.md): integrations, the default, or full. Keys from before scopes are full.
const SCOPES = {
  integrations: { label: 'Integrations', description: 'Run prompts and skills, read projects and files.' },
  full: { label: 'Full access', description: 'Everything you can do, except changing accounts and administration.' },
};
const scopeOf = (key) => SCOPES[key.scope] || SCOPES.full;

function ScopeBadge({ apiKey }) {
  const full = apiKey.scope !== 'integrations';
  const label = scopeOf(apiKey).label;
  return html`<span class=${`badge${full ? ' badge-accent' : ''}`} data-scope=${full ? 'full' : 'integrations'}>${label}</span>`;
}

/** The key's access, as two options with what each allows; Integrations is checked (form.reset() returns to it). */
function ScopeChoice() {
  return html`
    <fieldset class="question key-scope" aria-describedby="key-scope-hint">
      <legend>Access</legend>
      <div class="form-inline-fields">
        ${Object.entries(SCOPES).map(([value, scope]) => html`
          <label class="question-option" key=${value}>
            <input type="radio" name="scope" value=${value} defaultChecked=${value === 'integrations'} />
            <span>
              <strong>${scope.label}</strong>
              <span class="question-description">${scope.description}</span>
            </span>
          </label>`)}
      </div>
      <p class="hint" id="key-scope-hint">Give a key only the access its integration needs; it cannot be changed later.</p>
    </fieldset>
  `;
}

function CreateKeyForm({ onCreated }) {
  const { busy, error, onSubmit } = useSubmit(async ({ name, callbackUrl, scope }, form) => {
    const body = { name: name.trim(), callbackUrl: callbackUrl.trim() || null, scope: scope || 'integrations' };
    onCreated(await api.post('/api/api-keys', body));
    form.reset();
  });
  return html`
    <form class="form form-inline" onSubmit=${onSubmit} aria-labelledby="new-key-title">
      <h3 id="new-key-title">New key</h3>
      <div class="form-inline-fields">
        <${Field} id="key-name" label="Name" name="name" required maxlength="100" autocomplete="off"
          hint="What uses it, e.g. “CI pipeline”." />
        <${Field} id="key-callback" label="Callback URL" name="callbackUrl" type="url" optional autocomplete="off"
          placeholder="https://" hint="Where finished jobs are reported, signed with the key’s secret." />
      </div>
      <${ScopeChoice} />
      <${FormError} message=${error} />
      <div class="form-actions">
        <${SubmitButton} busy=${busy} label="Create key" busyLabel="Creating…" />
      </div>
    </form>
  `;
}

function NewKeyPanel({ created, onDone }) {
  const heading = useRef(null);
  useEffect(() => heading.current?.focus(), [created.id]);
  return html`
    <section class="reveal" aria-labelledby="reveal-title">
      <h3 id="reveal-title" ref=${heading} tabindex="-1"><${Icon} name="key" size=${18} /> “${created.name}” is ready</h3>
      <p class="reveal-scope"><${ScopeBadge} apiKey=${created} /> ${scopeOf(created).description}</p>
      <p class="reveal-warning">
        <strong>Copy the key and the signing secret now: you won’t see them again.</strong>${' '}Store them where your integration keeps secrets. If you lose them, create a new key and deactivate this one.</p>
      <${SecretField} id="new-key-value" label="API key" value=${created.key}
        hint="Send it in the X-API-Key header of each request." />
      <${SecretField} id="new-key-secret" label="Signing secret" value=${created.signingSecret}
        hint="Verifies that callbacks come from Sasha Studio (HMAC-SHA256)." />
      <div class="form-actions">
        <button type="button" class="button button-primary" onClick=${onDone}>I have copied them</button>
      </div>
    </section>
  `;
}

function DeactivateDialog({ apiKey, onClose, onDone }) {
  return html`
    <${ConfirmDialog} title=${`Deactivate “${apiKey.name}”?`} confirmLabel="Deactivate key" busyLabel="Deactivating…"
      onClose=${onClose} onConfirm=${async () => onDone(await api.delete(`/api/api-keys/${encodeURIComponent(apiKey.id)}`))}>
      <p>Anything that uses this key stops working at once. A deactivated key cannot be turned back on.</p>
    <//>
  `;
}

function KeyTable({ keys, onDeactivate }) {
  if (!keys.length) {
    return html`<p class="card-empty">No API keys yet. Create one for each integration, so you can turn one off
      without breaking the others.</p>`;
  }
  return html`
    <div class="table-wrap">
      <table class="table table-stack">
        <caption class="sr-only">Your API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Access</th><th scope="col">Callback URL</th><th scope="col">Created</th>
            <th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${keys.map(
            (key) => html`
              <tr key=${key.id}>
                <th scope="row">${key.name}</th>
                <td data-label="Access"><${ScopeBadge} apiKey=${key} /></td>
                <td class="cell-url" data-label="Callback URL">${key.callbackUrl || html`<span class="muted">None</span>`}</td>
                <td data-label="Created"><${DateText} value=${key.createdAt} /></td>
                <td data-label="Last used"><${DateText} value=${key.lastUsedAt} ago /></td>
                <td data-label="Status">
                  <span class="status" data-active=${key.isActive ? 'true' : 'false'}>
                    <span class="status-dot" aria-hidden="true"></span>${key.isActive ? 'Active' : 'Deactivated'}
                  </span>
                </td>
                <td class="row-actions">
                  ${key.isActive &&
                  html`<button type="button" class="button button-small button-ghost-danger" onClick=${() => onDeactivate(key)}>
                    Deactivate<span class="sr-only"> ${key.name}</span>
                  </button>`}
                </td>
              </tr>
            `,
          )}
        </tbody>
      </table>
    </div>
  `;
}

export function ApiKeys() {
  const [keys, setKeys] = useState(null); // null while loading
  const [error, setError] = useState(null);
  const [created, setCreated] = useState(null); // the new key with its secrets, until dismissed
  const [confirming, setConfirming] = useState(null);
  const load = () => {
    setError(null);
    api.get('/api/api-keys').then((list) => setKeys([...list].sort(newestFirst)), (err) => setError(err.message));
  };
  useEffect(load, []);

  const put = (key) => setKeys((list) => [...(list || []).filter((k) => k.id !== key.id), key].sort(newestFirst));
  const onCreated = ({ key, signingSecret, ...info }) => {
    put(info); // the list never holds the secrets
    setCreated({ ...info, key, signingSecret });
  };
  const dismiss = () => {
    setCreated(null);
    requestAnimationFrame(() => document.getElementById('keys-title')?.focus()); // the panel held the focus
  };
  return html`
    <section class="card" aria-labelledby="keys-title">
      <div class="card-header">
        <h2 id="keys-title" tabindex="-1"><${Icon} name="key" size=${20} /> API keys</h2>
      </div>
      <p class="card-lead">Integrations call Sasha Studio with an API key in the <code>X-API-Key</code> header; each
        key acts as you, with the access you give it.</p>
      ${created && html`<${NewKeyPanel} key=${created.id} created=${created} onDone=${dismiss} />`}
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${load}>Try again</button>
        </div>`}
      ${!keys && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading keys…</p>`}
      ${keys && html`<${KeyTable} keys=${keys} onDeactivate=${setConfirming} />`}
      <${CreateKeyForm} onCreated=${onCreated} />
      ${confirming && html`<${DeactivateDialog} apiKey=${confirming} onClose=${() => setConfirming(null)}
        onDone=${(key) => { put(key); setConfirming(null); }} />`}
    </section>
  `;
}
