// Ask for a password reset link. The answer is the same whether or not an account matched.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { AuthLayout } from '../components/auth-layout.js';
import { Field, FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';
import { SIGN_IN } from '../routes.js';

const back = () => html`<p><${Link} href=${SIGN_IN}>Back to sign in<//></p>`;

export default function ForgotPasswordScreen({ auth }) {
  const focus = useAutoFocus();
  const [sent, setSent] = useState(null);
  const { busy, error, onSubmit } = useSubmit(async ({ identifier }) => {
    const answer = await api.post('/api/auth/forgot-password', { identifier: identifier.trim() });
    setSent(answer.message);
  });

  if (auth && !auth.emailEnabled) {
    return html`
      <${AuthLayout} title="Reset your password" footer=${back()}>
        <p class="callout">This installation cannot send email, so passwords are not reset by link here. Ask an
          administrator to set a new password for you.</p>
      <//>
    `;
  }
  if (sent) {
    return html`
      <${AuthLayout} title="Check your email" footer=${back()}>
        <div class="confirmation" role="status">
          <span class="confirmation-icon"><${Icon} name="mail" size=${22} /></span>
          <p>${sent}</p>
        </div>
        <p class="muted">The link works once and expires after a while. No email? Check the spam folder, or${' '}
          <span class="nowrap"><button type="button" class="link-button" onClick=${() => setSent(null)}>ask again</button>.</span></p>
      <//>
    `;
  }
  const intro = html`<p>Give your username or your account’s email address. If it matches an account with an email
    address, we send it a link to choose a new password.</p>`;
  return html`
    <${AuthLayout} title="Reset your password" intro=${intro} footer=${back()}>
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="forgot-identifier" label="Username or email" name="identifier" required autocomplete="username"
          autocapitalize="none" spellcheck="false" inputRef=${focus} />
        <${FormError} message=${error} />
        <${SubmitButton} busy=${busy} label="Send reset link" busyLabel="Sending…" block />
      </form>
    <//>
  `;
}
