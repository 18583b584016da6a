// Settings → Cloud drives, for administrators: the providers drives are reached through (an OAuth app for
// OneDrive, SharePoint and Google Drive; a server for WebDAV and S3), with what each is set to, never a secret.
import { ending, providerType, redirectUri } from '../drives/kinds.js';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

/** What a provider is set to, in one line: its client (and the secret's last characters), or its server. */
function details(provider) {
  const kind = providerType(provider.providerType);
  if (kind.oauth) {
    return [
      provider.clientId && `Client ID ${provider.clientId}`,
      provider.hasClientSecret ? `secret ${provider.clientSecretHint ? `ending ${ending(provider.clientSecretHint)}` : 'stored'}` : 'no secret stored',
      provider.tenantId && `tenant ${provider.tenantId}`,
      provider.driveId && `drive ${provider.driveId}`,
      (provider.authorizeUrl || provider.tokenUrl) && 'custom sign-in endpoints',
    ];
  }
  if (provider.providerType === 'webdav') return [provider.url];
  return [provider.endpoint || 'Amazon S3', provider.region, provider.bucket && `bucket ${provider.bucket}`];
}

function ProviderItem({ provider, onEdit, onDelete }) {
  const kind = providerType(provider.providerType);
  return html`
    <li class="drive-item" data-provider=${provider.providerId}>
      <div class="drive-item-text">
        <p class="drive-item-title"><span class="drive-name">${provider.displayName}</span>
          <span class="badge badge-accent">${kind.label}</span></p>
        <p class="hint drive-details">${details(provider).filter(Boolean).join(' · ')}</p>
        ${kind.oauth && html`<p class="hint drive-details">Redirect URI: <code class="drive-code">${redirectUri(provider)}</code></p>`}
        <p class="hint">Added <${DateText} value=${provider.createdAt} /></p>
      </div>
      <div class="drive-item-actions">
        <button type="button" class="button button-small button-secondary" onClick=${() => onEdit(provider)}>
          Edit<span class="sr-only"> ${provider.displayName}</span></button>
        <button type="button" class="button button-small button-ghost-danger" onClick=${() => onDelete(provider)}>
          Delete<span class="sr-only"> ${provider.displayName}</span></button>
      </div>
    </li>
  `;
}

/** `providers` is useProviders(); `on.create()`, `on.edit(provider)`, `on.delete(provider)` open the dialogs. */
export function DriveProviders({ providers, on }) {
  const { items, error, reload } = providers;
  return html`
    <section class="card" aria-labelledby="drive-providers-title">
      <div class="card-header">
        <h2 id="drive-providers-title" tabindex="-1"><${Icon} name="key" size=${20} /> Providers
          ${items && html`<span class="count">${items.length}</span>`}</h2>
        <button type="button" class="button button-primary" onClick=${on.create}>
          <${Icon} name="plus" size=${18} /> New provider</button>
      </div>
      <p class="card-lead">How drives are reached. OneDrive, SharePoint and Google Drive need an app registered with
        Microsoft or Google (its client ID and secret); WebDAV and S3 need the server’s address.</p>
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>Could not load the providers: ${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${reload}>Try again</button>
        </div>`}
      ${!items && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading providers…</p>`}
      ${items && !items.length && html`<p class="card-empty">No providers yet. Add one for each kind of drive the
        company uses; connections are then made through it.</p>`}
      ${items?.length > 0 && html`
        <ul class="drive-list" aria-label="Providers">
          ${items.map((p) => html`<${ProviderItem} key=${p.providerId} provider=${p} onEdit=${on.edit} onDelete=${on.delete} />`)}
        </ul>`}
    </section>
  `;
}
