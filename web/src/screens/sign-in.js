// Sign in with a username and password; "Forgot password?" when this installation can send email.
import { api } from '../api.js';
import { AuthLayout } from '../components/auth-layout.js';
import { Field, FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Link, navigate } from '../router.js';
import { FORGOT_PASSWORD, HOME } from '../routes.js';
import { startSession } from '../session.js';
import { noteSignIn } from '../setup-status.js';

/** Where to go after signing in: the page that asked for it, if it is a path of this app. */
function nextPath() {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : HOME;
}

export default function SignInScreen({ auth, hint = {} }) {
  const focus = useAutoFocus();
  const { busy, error, onSubmit } = useSubmit(async ({ username, password }) => {
    const session = await api.post('/api/auth/login', { username: username.trim(), password });
    noteSignIn(); // an administrator whose company is not set up yet is offered onboarding first
    startSession(session);
    navigate(nextPath(), { replace: true });
  });
  return html`
    <${AuthLayout} title="Sign in" intro=${html`<p>Welcome back. Sign in to your company’s workspace.</p>`}>
      ${hint.notice && html`<p class="callout" role="status">${hint.notice}</p>`}
      <form class="form" onSubmit=${onSubmit}>
        <${Field} id="sign-in-username" label="Username" name="username" autocomplete="username" required
          autocapitalize="none" spellcheck="false" defaultValue=${hint.username || ''}
          inputRef=${hint.username ? undefined : focus} />
        <${Field} id="sign-in-password" label="Password" name="password" type="password" required
          autocomplete="current-password" inputRef=${hint.username ? focus : undefined} />
        ${auth?.emailEnabled && html`<p class="form-aside"><${Link} href=${FORGOT_PASSWORD}>Forgot password?<//></p>`}
        <${FormError} message=${error} />
        <${SubmitButton} busy=${busy} label="Sign in" busyLabel="Signing in…" block />
      </form>
    <//>
  `;
}
