// Settings → Cloud drives: the connections (an account on a drive, made through a provider) with their status.
// Administrators see everyone's, add them, sign in to OAuth drives in a popup (Connect while pending, Reconnect after
// an error) and delete them; everyone else sees their own, read-only.
import { POPUP_NAME } from '../drives/sign-in.js';
import { connectionName, connectionStatus } from '../drives/format.js';
import { ending, providerType } from '../drives/kinds.js';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

/** What the sign-in under way needs from the person: wait, or open the window the browser blocked. */
function SignInState({ signIn, on }) {
  if (!signIn) return null;
  const name = connectionName(signIn.connection);
  const kind = providerType(signIn.connection.providerType).label;
  if (signIn.phase === 'blocked') {
    return html`
      <div class="callout callout-warn callout-row drive-sign-in">
        <${Icon} name="alert" size=${18} />
        <p>Your browser blocked the sign-in window for ${name}. <a href=${signIn.authorizeUrl} target=${POPUP_NAME} rel="opener" onClick=${on.openBlocked}>Open the ${kind} sign-in</a></p>
        <button type="button" class="button button-small button-secondary" onClick=${on.cancel}>Cancel</button>
      </div>`;
  }
  return html`
    <div class="callout callout-info callout-row drive-sign-in">
      <span class="spinner" aria-hidden="true"></span>
      <p>${signIn.phase === 'starting' ? `Opening the ${kind} sign-in for ${name}…`
        : `Finish signing in to ${kind} in the window that opened. This list updates when you are done.`}</p>
      <button type="button" class="button button-small button-secondary" onClick=${on.cancel}>Cancel</button>
    </div>`;
}

/** Through which provider, as which account, with which credential (its last characters), and whose. */
function details(connection, owner) {
  const kind = providerType(connection.providerType).label;
  return [
    connection.providerName ? `${kind} (${connection.providerName})` : (connection.providerType ? kind : 'Its provider was deleted'),
    connection.accountEmail,
    connection.credentialHint && `credential ending ${ending(connection.credentialHint)}`,
    owner && `belongs to ${owner}`,
  ].filter(Boolean);
}

function ConnectionItem({ connection, me, canManage, signingIn, on }) {
  const status = connectionStatus(connection.status);
  const kind = providerType(connection.providerType);
  const action = kind.oauth && { pending: 'Connect', error: 'Reconnect' }[connection.status];
  const owner = connection.userId !== me.id && (connection.ownerName || 'another person');
  return html`
    <li class="drive-item" data-connection=${connection.connectionId} data-status=${connection.status}>
      <div class="drive-item-text">
        <p class="drive-item-title"><span class="drive-name">${connectionName(connection)}</span>
          <span class="badge drive-badge" data-tone=${status.tone}>${status.label}</span></p>
        <p class="hint drive-details">${details(connection, owner).join(' · ')}</p>
        ${connection.status === 'error' && html`<p class="drive-problem">${connection.lastError || status.hint}</p>`}
        ${connection.status === 'pending' && html`<p class="hint">${kind.oauth ? status.hint : 'Waiting for the server to check it.'}
          ${connection.lastError && html` Last attempt: ${connection.lastError}`}</p>`}
        <p class="hint">Added <${DateText} value=${connection.createdAt} /></p>
      </div>
      ${canManage && html`
        <div class="drive-item-actions">
          ${action && html`<button type="button" class="button button-small button-primary" disabled=${signingIn}
            onClick=${() => on.connect(connection)}>${signingIn && html`<span class="spinner" aria-hidden="true"></span>`}
            ${signingIn ? 'Signing in…' : action}<span class="sr-only"> ${connectionName(connection)}</span></button>`}
          <button type="button" class="button button-small button-ghost-danger" onClick=${() => on.delete(connection)}>
            Delete<span class="sr-only"> ${connectionName(connection)}</span></button>
        </div>`}
    </li>
  `;
}

/**
 * `connections` is useConnections(); `canManage` (administrators) shows New connection and each row's actions;
 * `signIn` is useDriveSignIn()'s; `on.create()`, `on.connect(connection)`, `on.delete(connection)`.
 */
export function DriveConnections({ connections, me, canManage, canCreate, signIn, on }) {
  const { items, error, reload } = connections;
  const signingInId = signIn.signIn?.connection.connectionId;
  return html`
    <section class="card" aria-labelledby="drive-connections-title">
      <div class="card-header">
        <h2 id="drive-connections-title" tabindex="-1"><${Icon} name="cloud" size=${20} /> Connections
          ${items && html`<span class="count">${items.length}</span>`}</h2>
        ${canManage && html`<button type="button" class="button button-primary" onClick=${on.create} disabled=${!canCreate}
          title=${canCreate ? undefined : 'Add a provider first'}><${Icon} name="plus" size=${18} /> New connection</button>`}
      </div>
      <p class="card-lead">${canManage
        ? 'An account on a drive. Once authorized, projects can sync folders of it (in a project’s Drives).'
        : 'Your accounts on drives. An administrator connects, reconnects and removes them.'}</p>
      <div class="drive-live" role="status"><${SignInState} signIn=${signIn.signIn} on=${signIn} /></div>
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>Could not load the connections: ${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${reload}>Try again</button>
        </div>`}
      ${!items && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading connections…</p>`}
      ${items && !items.length && html`<p class="card-empty">No drives connected yet${canManage
        ? (canCreate ? ': connect one with New connection.' : ': add a provider first, then connect an account through it.')
        : ' — an administrator connects them here.'}</p>`}
      ${items?.length > 0 && html`
        <ul class="drive-list" aria-label="Connections">
          ${items.map((c) => html`<${ConnectionItem} key=${c.connectionId} connection=${c} me=${me} canManage=${canManage}
            signingIn=${signingInId === c.connectionId} on=${on} />`)}
        </ul>`}
    </section>
  `;
}
