// The link from the reset email: check it first, then choose a new password and go to sign in.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { AuthLayout } from '../components/auth-layout.js';
import { Field, FormError, PASSWORDS_DIFFER, SubmitButton, passwordMismatch, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link, navigate } from '../router.js';
import { FORGOT_PASSWORD, SIGN_IN } from '../routes.js';
import { signOut } from '../session.js';

const NO_TOKEN = 'This link is incomplete: it has no reset code. Open the link from the email again, or ask for a new one.';

function readToken() {
  return new URLSearchParams(window.location.search).get('token') || '';
}

/** { state: 'checking' | 'valid' | 'invalid', username, message } for the link's token. */
function useResetCheck(token) {
  const [check, setCheck] = useState(token ? { state: 'checking' } : { state: 'invalid', message: NO_TOKEN });
  useEffect(() => {
    if (!token) return undefined;
    const abort = new AbortController();
    api
      .get(`/api/auth/reset-password/verify?token=${encodeURIComponent(token)}`, { signal: abort.signal })
      .then((answer) => setCheck({ state: 'valid', username: answer.username }))
      .catch((err) => err.name !== 'AbortError' && setCheck({ state: 'invalid', message: err.message }));
    return () => abort.abort();
  }, [token]);
  return [check, setCheck];
}

function NewPasswordForm({ token, username, onInvalid }) {
  const focus = useAutoFocus();
  const { busy, error, setError, onSubmit } = useSubmit(async ({ password, confirm }, form) => {
    const mismatch = passwordMismatch(password, confirm);
    if (mismatch) {
      form.elements.confirm.focus();
      return setError(mismatch);
    }
    try {
      const answer = await api.post('/api/auth/reset-password', { token, password });
      // Every session of the account ended with the old password, this browser's too.
      signOut({ notice: answer.message, username });
      navigate(SIGN_IN, { replace: true });
    } catch (err) {
      if (err.code === 'invalid_reset_token') return onInvalid(err.message);
      throw err;
    }
  });
  return html`
    <form class="form" onSubmit=${onSubmit}>
      <input type="text" name="username" value=${username} autocomplete="username" hidden readonly />
      <${Field} id="reset-password" label="New password" name="password" type="password" required minlength="8"
        autocomplete="new-password" hint="At least 8 characters." inputRef=${focus} />
      <${Field} id="reset-confirm" label="Confirm new password" name="confirm" type="password" required
        autocomplete="new-password" aria-invalid=${error === PASSWORDS_DIFFER ? 'true' : undefined} />
      <${FormError} message=${error} />
      <${SubmitButton} busy=${busy} label="Change password" busyLabel="Changing password…" block />
    </form>
  `;
}

export default function ResetPasswordScreen() {
  const token = readToken();
  const [check, setCheck] = useResetCheck(token);
  const back = html`<p><${Link} href=${SIGN_IN}>Back to sign in<//></p>`;

  if (check.state === 'checking') {
    return html`
      <${AuthLayout} title="Choose a new password" footer=${back}>
        <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Checking your link…</p>
      <//>
    `;
  }
  if (check.state === 'invalid') {
    return html`
      <${AuthLayout} title="This link cannot be used" footer=${back}>
        <div class="callout callout-bad callout-row" role="alert">
          <${Icon} name="alert" size=${18} />
          <p>${check.message}</p>
        </div>
        <p><${Link} href=${FORGOT_PASSWORD} class="button button-primary button-block">Ask for a new link<//></p>
      <//>
    `;
  }
  const intro = html`<p>For the account <strong class="username">${check.username}</strong>. Changing it signs the
    account out everywhere.</p>`;
  return html`
    <${AuthLayout} title="Choose a new password" intro=${intro} footer=${back}>
      <${NewPasswordForm} token=${token} username=${check.username}
        onInvalid=${(message) => setCheck({ state: 'invalid', message })} />
    <//>
  `;
}
