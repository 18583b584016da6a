// First run: create the first account, which becomes the administrator.
import { api } from '../api.js';
import { AuthLayout } from '../components/auth-layout.js';
import { Field, FormError, PASSWORDS_DIFFER, SubmitButton, passwordMismatch, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { navigate } from '../router.js';
import { HOME } from '../routes.js';
import { setupClosed, startSession } from '../session.js';
import { noteSignIn } from '../setup-status.js';

export default function SetupScreen({ auth }) {
  const focus = useAutoFocus();
  const { busy, error, setError, onSubmit } = useSubmit(async (values, form) => {
    const mismatch = passwordMismatch(values.password, values.confirm);
    if (mismatch) {
      form.elements.confirm.focus();
      return setError(mismatch);
    }
    const body = { username: values.username.trim(), password: values.password, email: values.email.trim() || null };
    if (auth?.setupTokenRequired) body.setupToken = values.setupToken.trim();
    try {
      const session = await api.post('/api/auth/register', body);
      noteSignIn(); // the first administrator is offered onboarding next
      startSession(session);
    } catch (err) {
      if (err.code === 'registration_closed') return setupClosed(err.message);
      throw err;
    }
    navigate(HOME, { replace: true });
  });

  const intro = html`
    <p>Welcome to Sasha Studio. Nobody has an account here yet, so start with yours.</p>
    <p class="callout callout-info">
      This account becomes the <strong>administrator</strong>: you can add people, manage their accounts and
      choose the AI provider. You can make others administrators later.
    </p>
  `;
  return html`
    <${AuthLayout} title="Create the first account" intro=${intro}>
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="setup-username" label="Username" name="username" required autocomplete="username"
          autocapitalize="none" spellcheck="false" inputRef=${focus}
          hint="3 to 64 characters: letters, digits, “.”, “_” or “-”." />
        <${Field} id="setup-email" label="Email" name="email" type="email" optional autocomplete="email"
          hint="Lets you reset your password by email." />
        <${Field} id="setup-password" label="Password" name="password" type="password" required minlength="8"
          autocomplete="new-password" hint="At least 8 characters." />
        <${Field} id="setup-confirm" label="Confirm password" name="confirm" type="password" required
          autocomplete="new-password" aria-invalid=${error === PASSWORDS_DIFFER ? 'true' : undefined} />
        ${auth?.setupTokenRequired &&
        html`<${Field} id="setup-token" label="Setup token" name="setupToken" required autocomplete="off"
          spellcheck="false" hint="Printed when this installation was deployed; it proves you run it." />`}
        <${FormError} message=${error} />
        <${SubmitButton} busy=${busy} label="Create account" busyLabel="Creating your account…" block />
      </form>
    <//>
  `;
}
