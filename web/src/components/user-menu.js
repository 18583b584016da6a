// The header's account menu: who is signed in, a way to their settings, sign out, and sign out everywhere (every
// other tab and device signs out at its next request; this tab carries on with the new token the answer brings).
// A disclosure (button + panel), closed by Escape, a click elsewhere, or leaving it with Tab.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { notify } from '../notices.js';
import { Link, navigate } from '../router.js';
import { SIGN_IN } from '../routes.js';
import { signOut, startSession } from '../session.js';
import { ConfirmDialog } from './confirm-dialog.js';

function SignOutEverywhereDialog({ onClose, onDone }) {
  const confirm = async () => {
    startSession(await api.post('/api/auth/logout-all'));
    onDone();
  };
  return html`
    <${ConfirmDialog} title="Sign out everywhere?" confirmLabel="Sign out everywhere" busyLabel="Signing out…"
      onConfirm=${confirm} onClose=${onClose}>
      <p>Every other browser and device signed in as you is signed out at its next step. This browser stays
        signed in. API keys are not affected.</p>
    <//>
  `;
}

export function UserMenu({ user }) {
  const [open, setOpen] = useState(false);
  const [asking, setAsking] = useState(false);
  const root = useRef(null);
  const button = useRef(null);

  useEffect(() => {
    if (!open) return undefined;
    const onPointer = (event) => root.current?.contains(event.target) || setOpen(false);
    const onFocus = (event) => root.current?.contains(event.target) || setOpen(false);
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('focusin', onFocus);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('focusin', onFocus);
    };
  }, [open]);

  const onKeyDown = (event) => {
    if (event.key === 'Escape' && open) {
      setOpen(false);
      button.current?.focus();
    }
  };
  const onSignOut = () => {
    setOpen(false);
    signOut({ notice: 'You signed out.', username: user.username });
    navigate(SIGN_IN, { replace: true });
  };
  const onEverywhere = () => {
    setOpen(false);
    setAsking(true);
  };
  const finished = () => {
    setAsking(false);
    notify({ message: 'Signed out everywhere else. This browser stays signed in.', tone: 'ok' });
  };

  return html`
    <div class="user-menu" ref=${root} onKeyDown=${onKeyDown}>
      <button type="button" class="user-button" ref=${button} aria-expanded=${open ? 'true' : 'false'}
        aria-controls="user-menu-panel" onClick=${() => setOpen(!open)}>
        <span class="avatar" aria-hidden="true">${user.username.slice(0, 1).toUpperCase()}</span>
        <span class="user-name"><span class="sr-only">Account: </span>${user.username}</span>
        <${Icon} name="chevron" size=${16} />
      </button>
      <div id="user-menu-panel" class="user-panel" hidden=${!open}>
        <p class="user-panel-who">
          <strong>${user.username}</strong>
          <span>${user.isAdmin ? 'Administrator' : 'Member'}${user.email ? ` · ${user.email}` : ''}</span>
        </p>
        <${Link} href="/settings" class="user-panel-item" onClick=${() => setOpen(false)}>
          <${Icon} name="settings" size=${18} /> Your account and API keys
        <//>
        <button type="button" class="user-panel-item" onClick=${onSignOut}>
          <${Icon} name="logout" size=${18} /> Sign out
        </button>
        <button type="button" class="user-panel-item" onClick=${onEverywhere}>
          <${Icon} name="lock" size=${18} /> Sign out everywhere
        </button>
      </div>
      ${asking && html`<${SignOutEverywhereDialog} onClose=${() => setAsking(false)} onDone=${finished} />`}
    </div>
  `;
}
