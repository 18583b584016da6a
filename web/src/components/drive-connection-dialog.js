// A new connection (administrators): the provider, a name, and for WebDAV and S3 the account's credentials. For an
// OAuth drive the sign-in window opens in the same click that sends the form (so it is not blocked) and the screen
// takes it from there (drives/sign-in.js). Deleting a connection asks first.
import { useState } from 'preact/hooks';
import { drivesApi } from '../drives/api.js';
import { connectionName } from '../drives/format.js';
import { CONNECTION_FIELDS, connectionBody, providerType } from '../drives/kinds.js';
import { openSignInWindow } from '../drives/sign-in.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

const ID = 'drive-connection';

/** `onCreated(connection, signInWindow)`: `{ popup }` for an OAuth drive (`popup` null when blocked), else null. */
export function ConnectionDialog({ providers, onCreated, onClose }) {
  const [providerId, setProviderId] = useState(providers[0]?.providerId || '');
  const provider = providers.find((p) => p.providerId === providerId) || providers[0];
  const kind = providerType(provider.providerType);
  const { busy, error, onSubmit } = useSubmit(async (values) => {
    const body = connectionBody(values, provider);
    const popup = kind.oauth ? openSignInWindow() : null;
    let created;
    try {
      created = await drivesApi.createConnection(body);
    } catch (err) {
      popup?.close();
      throw err;
    }
    onCreated(created, kind.oauth ? { popup } : null);
  });
  return html`
    <${Dialog} title="New connection" onClose=${onClose}>
      <form class="form drive-form" onSubmit=${onSubmit} noValidate>
        <div class="field">
          <label for=${`${ID}-provider`}>Provider</label>
          <select id=${`${ID}-provider`} class="input" name="providerId" value=${provider.providerId} data-autofocus
            onChange=${(event) => setProviderId(event.currentTarget.value)}>
            ${providers.map((p) => html`<option key=${p.providerId} value=${p.providerId}>${`${p.displayName} (${providerType(p.providerType).label})`}</option>`)}
          </select>
        </div>
        <${Field} id=${`${ID}-name`} name="displayName" label="Name" optional maxlength="100" autocomplete="off"
          placeholder=${provider.displayName} hint="How projects list it, e.g. “Finance team’s drive”." />
        ${(CONNECTION_FIELDS[provider.providerType] || []).map((f) => html`<${Field} key=${`${provider.providerType}-${f.name}`}
          id=${`${ID}-${f.name}`} name=${f.name} label=${f.label} hint=${f.hint} type=${f.type || 'text'} required=${f.required}
          autocomplete=${f.autocomplete} spellcheck=${false} autocapitalize="none" />`)}
        ${kind.oauth && html`<p class="hint">Connect opens a window to sign in to ${kind.label} with the account whose
          files projects should see. If your browser asks, allow pop-ups for this site.</p>`}
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label=${kind.oauth ? 'Connect' : 'Add connection'} busyLabel="Saving…" />
        </div>
      </form>
    <//>
  `;
}

export function DeleteConnectionDialog({ connection, onDeleted, onClose }) {
  const remove = async () => {
    await drivesApi.deleteConnection(connection.connectionId);
    onDeleted(connection);
  };
  return html`
    <${ConfirmDialog} title=${`Delete the connection ${connectionName(connection)}?`} confirmLabel="Delete connection"
      busyLabel="Deleting…" onConfirm=${remove} onClose=${onClose}>
      <p>Its stored sign-in is deleted and the project drives that use it stop syncing. Files already synced into
        projects stay there, and nothing on the drive itself changes.</p>
    <//>
  `;
}
