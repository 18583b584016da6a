// "Your account": change your email address or your password. Both answers are a new session, stored at once.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field, FormError, PASSWORDS_DIFFER, SubmitButton, passwordMismatch, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { startSession } from '../session.js';

// The email address is where password reset links go, so changing it needs the current password too.
function EmailForm({ user, onDone }) {
  const { busy, error, onSubmit } = useSubmit(async ({ email, currentPassword }, form) => {
    const value = email.trim() || null;
    if (value === (user.email || null)) return onDone('Your email address is unchanged.');
    try {
      startSession(await api.patch('/api/auth/me', { email: value, currentPassword }));
    } catch (err) {
      if (err.code === 'invalid_credentials') throw new Error('Your current password is not right. Try again.');
      throw err;
    }
    form.elements.currentPassword.value = '';
    onDone(value ? `Your email address is now ${value}.` : 'Your email address was removed.');
  });
  return html`
    <form class="form form-section" onSubmit=${onSubmit} aria-labelledby="email-title">
      <h3 id="email-title">Email address</h3>
      <${Field} id="account-email" label="Email" name="email" type="email" optional autocomplete="email"
        defaultValue=${user.email || ''} hint="Used to send you a link if you forget your password." />
      <${Field} id="account-email-password" label="Your password" name="currentPassword" type="password" required
        autocomplete="current-password" hint="Needed to change where reset links are sent." />
      <${FormError} message=${error} />
      <div class="form-actions">
        <${SubmitButton} busy=${busy} label="Save email" busyLabel="Saving…" tone="secondary" />
      </div>
    </form>
  `;
}

function PasswordForm({ user, onDone }) {
  const { busy, error, setError, onSubmit } = useSubmit(async (values, form) => {
    const mismatch = passwordMismatch(values.newPassword, values.confirm);
    if (mismatch) {
      form.elements.confirm.focus();
      return setError(mismatch);
    }
    try {
      const body = { currentPassword: values.currentPassword, newPassword: values.newPassword };
      startSession(await api.patch('/api/auth/me', body)); // the old token was revoked with the old password
    } catch (err) {
      if (err.code === 'invalid_credentials') throw new Error('Your current password is not right. Try again.');
      throw err;
    }
    form.reset();
    onDone('Your password was changed. Your other sessions were signed out.');
  });
  return html`
    <form class="form form-section" onSubmit=${onSubmit} aria-labelledby="password-title">
      <h3 id="password-title">Password</h3>
      <input type="text" name="username" value=${user.username} autocomplete="username" hidden readonly />
      <${Field} id="account-current-password" label="Current password" name="currentPassword" type="password" required
        autocomplete="current-password" />
      <${Field} id="account-new-password" label="New password" name="newPassword" type="password" required
        minlength="8" autocomplete="new-password" hint="At least 8 characters." />
      <${Field} id="account-confirm-password" label="Confirm new password" name="confirm" type="password" required
        autocomplete="new-password" aria-invalid=${error === PASSWORDS_DIFFER ? 'true' : undefined} />
      <${FormError} message=${error} />
      <div class="form-actions">
        <${SubmitButton} busy=${busy} label="Change password" busyLabel="Changing…" tone="secondary" />
      </div>
    </form>
  `;
}

export function AccountSettings({ user }) {
  const [done, setDone] = useState(null);
  return html`
    <section class="card" aria-labelledby="account-title">
      <div class="card-header">
        <h2 id="account-title"><${Icon} name="user" size=${20} /> Your account</h2>
      </div>
      <p class="account-who">
        <span class="avatar avatar-large" aria-hidden="true">${user.username.slice(0, 1).toUpperCase()}</span>
        <span><strong class="username">${user.username}</strong>
          <span class="muted"> · ${user.isAdmin ? 'Administrator' : 'Member'}</span></span>
      </p>
      <div class="flash" role="status" data-tone=${done ? 'ok' : undefined}>${done || ''}</div>
      <div class="form-grid">
        <${EmailForm} user=${user} onDone=${setDone} />
        <${PasswordForm} user=${user} onDone=${setDone} />
      </div>
    </section>
  `;
}
