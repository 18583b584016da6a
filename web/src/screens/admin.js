// Admin: the people who can use this workspace (administrators only; the shell shows "not allowed" to others).
// The Admin area's other sections: the AI provider (screens/ai-provider.js) and chat settings (screens/admin-chat.js).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { AdminTabs } from '../components/admin-tabs.js';
import { CreateUserDialog, DeleteUserDialog, EditUserDialog } from '../components/user-dialogs.js';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { updateUser } from '../session.js';

const byName = (a, b) => a.username.toLowerCase().localeCompare(b.username.toLowerCase());

function useUsers() {
  const [users, setUsers] = useState(null); // null while loading
  const [error, setError] = useState(null);
  const load = () => {
    setError(null);
    api.get('/api/admin/users').then((list) => setUsers([...list].sort(byName)), (err) => setError(err.message));
  };
  useEffect(load, []);
  const put = (user) => setUsers((list) => [...list.filter((u) => u.id !== user.id), user].sort(byName));
  const remove = (user) => setUsers((list) => list.filter((u) => u.id !== user.id));
  return { users, error, load, put, remove };
}

function UserRow({ user, isSelf, sending, onEdit, onDelete, onWelcome }) {
  return html`
    <tr>
      <th scope="row">
        <span class="user-cell">
          <span class="avatar" aria-hidden="true">${user.username.slice(0, 1).toUpperCase()}</span>
          <span class="username">${user.username}</span>
          ${isSelf && html`<span class="badge">You</span>`}
        </span>
      </th>
      <td class="cell-wrap" data-label="Email">${user.email || html`<span class="muted">No email</span>`}</td>
      <td data-label="Role">${user.isAdmin ? html`<span class="badge badge-accent">Administrator</span>` : 'Member'}</td>
      <td data-label="Status">
        <span class="status" data-active=${user.isActive ? 'true' : 'false'}>
          <span class="status-dot" aria-hidden="true"></span>${user.isActive ? 'Active' : 'Disabled'}
        </span>
      </td>
      <td data-label="Last sign-in"><${DateText} value=${user.lastLogin} ago /></td>
      <td data-label="Created"><${DateText} value=${user.createdAt} /></td>
      <td class="row-actions">
        <button type="button" class="button button-small button-secondary" onClick=${onEdit}>
          Edit<span class="sr-only"> ${user.username}</span>
        </button>
        <button type="button" class="button button-small button-secondary" onClick=${onWelcome}
          disabled=${!user.email || sending} aria-label=${`Send a welcome email to ${user.username}`}
          title=${user.email ? undefined : 'Add an email address first'}>
          ${sending ? 'Sending…' : 'Welcome email'}
        </button>
        <button type="button" class="button button-small button-ghost-danger" onClick=${onDelete} disabled=${isSelf}
          title=${isSelf ? 'You cannot delete your own account' : undefined}>
          Delete<span class="sr-only"> ${user.username}</span>
        </button>
      </td>
    </tr>
  `;
}

function UserTable({ users, me, sendingId, setDialog, onWelcome }) {
  return html`
    <div class="table-wrap">
      <table class="table table-stack">
        <caption class="sr-only">Users of this workspace</caption>
        <thead>
          <tr>
            <th scope="col">Username</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th>
            <th scope="col">Last sign-in</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${users.map(
            (user) => html`<${UserRow} key=${user.id} user=${user} isSelf=${user.id === me.id}
              sending=${sendingId === user.id} onWelcome=${() => onWelcome(user)}
              onEdit=${() => setDialog({ kind: 'edit', user })} onDelete=${() => setDialog({ kind: 'delete', user })} />`,
          )}
        </tbody>
      </table>
    </div>
  `;
}

export default function AdminScreen({ user: me }) {
  const { users, error, load, put, remove } = useUsers();
  const [dialog, setDialog] = useState(null); // { kind: 'create' | 'edit' | 'delete', user }
  const [flash, setFlash] = useState(null); // { tone: 'ok' | 'bad', message }
  const [sendingId, setSendingId] = useState(null);
  const close = () => setDialog(null);

  const saved = (user, message) => {
    put(user);
    if (user.id === me.id) updateUser(user);
    setFlash({ tone: 'ok', message });
    close();
  };
  const deleted = (user) => {
    remove(user);
    setFlash({ tone: 'ok', message: `Deleted ${user.username} and everything the account owned.` });
    close();
    // The row (and its Delete button, where focus would return) is gone: continue from the list's heading.
    requestAnimationFrame(() => document.getElementById('users-title')?.focus());
  };
  const welcome = async (user) => {
    setSendingId(user.id);
    setFlash(null);
    try {
      const answer = await api.post(`/api/admin/users/${encodeURIComponent(user.id)}/welcome-email`);
      setFlash({ tone: answer.sent ? 'ok' : 'bad', message: answer.message });
    } catch (err) {
      setFlash({ tone: 'bad', message: err.message });
    } finally {
      setSendingId(null);
    }
  };

  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Admin</h1>
        <p class="page-lead">Manage who can use this workspace, which AI provider Claude runs on, and what chats may do.</p>
        <${AdminTabs} current="/admin" />
      </header>
      <section class="card" aria-labelledby="users-title">
        <div class="card-header">
          <h2 id="users-title" tabindex="-1"><${Icon} name="users" size=${20} /> Users ${users && html`<span class="count">${users.length}</span>`}</h2>
          <button type="button" class="button button-primary" onClick=${() => setDialog({ kind: 'create' })}>
            <${Icon} name="plus" size=${18} /> New user
          </button>
        </div>
        <div class="flash" role="status" data-tone=${flash?.tone}>${flash?.message || ''}</div>
        ${error && html`
          <div class="callout callout-bad callout-row" role="alert">
            <p>${error}</p>
            <button type="button" class="button button-small button-secondary" onClick=${load}>Try again</button>
          </div>`}
        ${!users && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading users…</p>`}
        ${users && html`<${UserTable} users=${users} me=${me} sendingId=${sendingId} setDialog=${setDialog} onWelcome=${welcome} />`}
        ${users?.length === 1 && html`<p class="card-note">Only you so far. Add the people who should use this workspace with <strong>New user</strong>.</p>`}
      </section>
      ${dialog?.kind === 'create' && html`<${CreateUserDialog} onClose=${close} onCreated=${(u) => saved(u, `Created ${u.username}.`)} />`}
      ${dialog?.kind === 'edit' && html`<${EditUserDialog} user=${dialog.user} isSelf=${dialog.user.id === me.id}
        onClose=${close} onSaved=${(u) => saved(u, `Saved the changes to ${u.username}.`)} />`}
      ${dialog?.kind === 'delete' && html`<${DeleteUserDialog} user=${dialog.user} onClose=${close} onDeleted=${deleted} />`}
    </div>
  `;
}
