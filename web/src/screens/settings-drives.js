// Settings → Cloud drives (/settings/drives): the providers drives are reached through and the connections made
// through them (docs/web-drives.md). Administrators manage both and sign in to OAuth drives in a popup; everyone
// else sees their own connections. A project's drives (its mounts) are in /drives.
import { useState } from 'preact/hooks';
import { ConnectionDialog, DeleteConnectionDialog } from '../components/drive-connection-dialog.js';
import { DriveConnections } from '../components/drive-connections.js';
import { DeleteProviderDialog, ProviderDialog } from '../components/drive-provider-dialog.js';
import { DriveProviders } from '../components/drive-providers.js';
import { SettingsTabs } from '../components/settings-tabs.js';
import { connectionName } from '../drives/format.js';
import { useDriveSignIn } from '../drives/sign-in.js';
import { useConnections, useProviders } from '../drives/use-drives.js';
import { html } from '../html.js';
import { DRIVES, SETTINGS_DRIVES } from '../paths.js';
import { Link } from '../router.js';

const focusLater = (id) => requestAnimationFrame(() => document.getElementById(id)?.focus());

const CLOSED = 'the sign-in window closed before it finished.';

/** What to say once a sign-in ended (`answer` null: the window closed without one), from the list as it is now. */
function signInOutcome(connection, fallbackName, answer) {
  const name = (connection && connectionName(connection)) || fallbackName || 'The drive';
  if (connection?.status === 'authorized') {
    return { tone: 'ok', message: `Connected ${name}${connection.accountEmail ? ` as ${connection.accountEmail}` : ''}.` };
  }
  const why = answer ? answer.reason || connection?.lastError || 'the provider did not authorize it.' : CLOSED;
  return { tone: 'bad', message: `${name} is not connected: ${why}` };
}

export default function SettingsDrivesScreen({ user }) {
  const isAdmin = Boolean(user?.isAdmin);
  const providers = useProviders(isAdmin);
  const connections = useConnections();
  const [dialog, setDialog] = useState(null); // { kind: 'provider' | 'delete-provider' | 'connection' | 'delete-connection', … }
  const [flash, setFlash] = useState(null);
  const close = () => setDialog(null);
  const say = (tone, message) => setFlash({ tone, message });

  const settle = async (connectionId, name, answer) => {
    const list = await connections.reload();
    setFlash(signInOutcome(list?.find((c) => c.connectionId === connectionId), name, answer));
  };
  const signIn = useDriveSignIn({
    answer: (answer) => {
      const known = (connections.items || []).find((c) => c.connectionId === answer.connectionId);
      if (known) settle(answer.connectionId, connectionName(known), answer);
    },
    closed: (connection) => settle(connection.connectionId, connectionName(connection), null),
  });
  const connect = (connection, popup) => {
    setFlash(null);
    signIn.connect(connection, popup).catch((err) => say('bad', `Could not start the sign-in for ${connectionName(connection)}: ${err.message}`));
  };

  const on = {
    providers: {
      create: () => setDialog({ kind: 'provider', provider: null }),
      edit: (provider) => setDialog({ kind: 'provider', provider }),
      delete: (provider) => setDialog({ kind: 'delete-provider', provider }),
    },
    connections: {
      create: () => setDialog({ kind: 'connection' }),
      connect: (connection) => connect(connection),
      delete: (connection) => setDialog({ kind: 'delete-connection', connection }),
    },
  };
  const providerSaved = (provider, created) => {
    providers.put(provider);
    close();
    say('ok', created ? `Added the provider ${provider.displayName}. Connect an account through it under Connections.`
      : `Saved the changes to ${provider.displayName}.`);
  };
  const providerDeleted = (provider) => {
    providers.drop(provider.providerId);
    close();
    say('ok', `Deleted the provider ${provider.displayName}.`);
    focusLater('drive-providers-title');
  };
  const connectionCreated = (connection, signInWindow) => {
    connections.put(connection);
    close();
    if (signInWindow && connection.status !== 'authorized') connect(connection, signInWindow.popup); // null: blocked
    else {
      signInWindow?.popup?.close();
      say('ok', `Added the connection ${connectionName(connection)}.`);
    }
  };
  const connectionDeleted = (connection) => {
    connections.drop(connection.connectionId);
    close();
    say('ok', `Deleted the connection ${connectionName(connection)}.`);
    focusLater('drive-connections-title');
  };

  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Cloud drives</h1>
        <p class="page-lead">OneDrive, SharePoint, Google Drive, WebDAV and S3 folders that projects can sync, so Claude
          works with the company’s documents where they already are. Which folder goes into which project is chosen in
          a project’s <${Link} href=${DRIVES}>Drives<//>.</p>
        <${SettingsTabs} current=${SETTINGS_DRIVES} />
        <div class="flash" role="status" data-tone=${flash?.tone}>${flash?.message || ''}</div>
      </header>
      ${isAdmin && html`<${DriveProviders} providers=${providers} on=${on.providers} />`}
      <${DriveConnections} connections=${connections} me=${user} canManage=${isAdmin}
        canCreate=${Boolean(providers.items?.length)} signIn=${signIn} on=${on.connections} />
      ${dialog?.kind === 'provider' && html`<${ProviderDialog} provider=${dialog.provider} onSaved=${providerSaved} onClose=${close} />`}
      ${dialog?.kind === 'delete-provider' && html`<${DeleteProviderDialog} provider=${dialog.provider}
        connections=${(connections.items || []).filter((c) => c.providerId === dialog.provider.providerId).length}
        onDeleted=${providerDeleted} onClose=${close} />`}
      ${dialog?.kind === 'connection' && html`<${ConnectionDialog} providers=${providers.items || []}
        onCreated=${connectionCreated} onClose=${close} />`}
      ${dialog?.kind === 'delete-connection' && html`<${DeleteConnectionDialog} connection=${dialog.connection}
        onDeleted=${connectionDeleted} onClose=${close} />`}
    </div>
  `;
}
