// An administrator's provider form: the kind of drive (fixed once created), its name, and the fields that kind
// needs (drives/kinds.js). The client secret is write-only: once stored only its last characters are shown, and
// it is sent again only when "Replace" was chosen. Deleting asks first.
import { useState } from 'preact/hooks';
import { drivesApi } from '../drives/api.js';
import { PROVIDER_FIELDS, PROVIDER_TYPES, ending, providerBody, providerType, redirectUri } from '../drives/kinds.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Dialog } from './dialog.js';

const ID = 'drive-provider';

function ProviderField({ field, provider }) {
  return html`<${Field} id=${`${ID}-${field.name}`} name=${field.name} label=${field.label} hint=${field.hint}
    optional=${!field.required} type=${field.type || 'text'} placeholder=${field.placeholder} autocomplete="off"
    spellcheck=${false} autocapitalize="none" defaultValue=${provider?.[field.name] || ''} />`;
}

function ClientSecret({ provider, replacing, onReplace }) {
  const stored = provider?.hasClientSecret;
  if (stored && !replacing) {
    return html`
      <div class="field">
        <span class="field-label" id=${`${ID}-secret-label`}>Client secret</span>
        <div class="drive-secret" aria-labelledby=${`${ID}-secret-label`}>
          <span>Stored${provider.clientSecretHint ? html`: ending <span class="key-hint">${ending(provider.clientSecretHint)}</span>` : ''}</span>
          <button type="button" class="button button-small button-secondary" onClick=${() => onReplace(true)}>
            Replace<span class="sr-only"> the client secret</span></button>
        </div>
        <p class="hint">Never shown again once saved.</p>
      </div>`;
  }
  return html`
    <div class="drive-secret-field">
      <${Field} id=${`${ID}-clientSecret`} name="clientSecret" label=${stored ? 'New client secret' : 'Client secret'}
        type="password" required autocomplete="new-password" spellcheck=${false}
        hint="Stored encrypted; only its last characters are ever shown again." />
      ${stored && html`<button type="button" class="link-button" onClick=${() => onReplace(false)}>Keep the stored secret</button>`}
    </div>`;
}

/** New (`provider` null) or edit; `onSaved(provider, created)` with the server's answer. */
export function ProviderDialog({ provider, onSaved, onClose }) {
  const creating = !provider;
  const [type, setType] = useState(provider?.providerType || PROVIDER_TYPES[0].value);
  const [replacing, setReplacing] = useState(false);
  const kind = providerType(type);
  const fields = PROVIDER_FIELDS[type] || [];
  const { busy, error, onSubmit } = useSubmit(async (values) => {
    const body = providerBody(values, type, { creating, replaceSecret: replacing || !provider?.hasClientSecret });
    const saved = creating ? await drivesApi.createProvider(body) : await drivesApi.updateProvider(provider.providerId, body);
    onSaved(saved, creating);
  });
  const customEndpoints = Boolean(provider?.authorizeUrl || provider?.tokenUrl || provider?.apiUrl);
  return html`
    <${Dialog} title=${creating ? 'New provider' : `Edit ${provider.displayName}`} onClose=${onClose}>
      <form class="form drive-form" onSubmit=${onSubmit} noValidate>
        <div class="field">
          <label for=${`${ID}-type`}>Kind of drive</label>
          <select id=${`${ID}-type`} class="input" value=${type} disabled=${!creating} aria-describedby=${`${ID}-type-hint`}
            onChange=${(event) => setType(event.currentTarget.value)} data-autofocus=${creating ? true : undefined}>
            ${PROVIDER_TYPES.map((t) => html`<option key=${t.value} value=${t.value}>${t.label}</option>`)}
          </select>
          <p class="hint" id=${`${ID}-type-hint`}>${creating
            ? (kind.oauth ? `People sign in to it in a window that opens: register an app in ${kind.registrar} first.`
              : 'Each connection brings its own user name and password, or keys.')
            : 'Fixed once created: its connections depend on it.'}</p>
        </div>
        <${Field} id=${`${ID}-displayName`} name="displayName" label="Name" required autocomplete="off" maxlength="100"
          defaultValue=${provider?.displayName || ''} placeholder=${`e.g. Company ${kind.label}`}
          data-autofocus=${creating ? undefined : true} />
        ${fields.filter((f) => !f.advanced).map((f) => (f.secret
          ? html`<${ClientSecret} key=${f.name} provider=${provider} replacing=${replacing} onReplace=${setReplacing} />`
          : html`<${ProviderField} key=${f.name} field=${f} provider=${provider} />`))}
        ${kind.oauth && html`
          <p class="hint">${creating
            ? 'Once saved, the provider shows the redirect URI to register with the app.'
            : html`Redirect URI to register with the app: <code class="drive-code">${redirectUri(provider)}</code>`}</p>`}
        ${fields.some((f) => f.advanced) && html`
          <details class="drive-advanced" open=${customEndpoints}>
            <summary>Custom sign-in endpoints</summary>
            <div class="form">
              ${fields.filter((f) => f.advanced).map((f) => html`<${ProviderField} key=${f.name} field=${f} provider=${provider} />`)}
            </div>
          </details>`}
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label=${creating ? 'Add provider' : 'Save'} busyLabel="Saving…" />
        </div>
      </form>
    <//>
  `;
}

export function DeleteProviderDialog({ provider, connections, onDeleted, onClose }) {
  const remove = async () => {
    await drivesApi.deleteProvider(provider.providerId);
    onDeleted(provider);
  };
  const used = connections === 1 ? '1 connection uses it' : `${connections} connections use it`;
  return html`
    <${ConfirmDialog} title=${`Delete the provider ${provider.displayName}?`} confirmLabel="Delete provider"
      busyLabel="Deleting…" onConfirm=${remove} onClose=${onClose}>
      <p>${connections ? `${used}: delete ${connections === 1 ? 'it' : 'them'} first (with the project drives made
        through ${connections === 1 ? 'it' : 'them'}), since a provider goes only once nothing uses it.`
        : 'No connection uses it; its settings and client secret are deleted.'}</p>
    <//>
  `;
}
