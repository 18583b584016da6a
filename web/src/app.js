// The app: the screens outside the shell (first run, sign-in, password reset) or, once signed in, the shell.
import { useEffect } from 'preact/hooks';
import { AuthLayout } from './components/auth-layout.js';
import { NoticeList } from './components/notice-list.js';
import { html } from './html.js';
import { navigate, usePath } from './router.js';
import { FORGOT_PASSWORD, HOME, RESET_PASSWORD, SETUP, SIGN_IN } from './routes.js';
import ForgotPasswordScreen from './screens/forgot-password.js';
import ResetPasswordScreen from './screens/reset-password.js';
import SetupScreen from './screens/setup.js';
import SignInScreen from './screens/sign-in.js';
import { loadSession, useSession } from './session.js';
import { Shell } from './shell.js';

const AUTH_TITLES = {
  [SETUP]: 'Create the first account',
  [SIGN_IN]: 'Sign in',
  [FORGOT_PASSWORD]: 'Reset your password',
  [RESET_PASSWORD]: 'Choose a new password',
};

/** Replaces the current URL with `to` once rendered (a redirect that keeps Back working). */
function Redirect({ to }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return html`<${Loading} />`;
}

function Loading() {
  return html`<div class="splash" role="status"><span class="spinner" aria-hidden="true"></span> Loading Sasha Studio…</div>`;
}

function Unavailable({ error }) {
  return html`
    <${AuthLayout} title="Sasha Studio is not answering">
      <div class="callout callout-bad" role="alert"><p>${error?.message || 'The server did not answer.'}</p></div>
      <button type="button" class="button button-primary button-block" onClick=${loadSession}>Try again</button>
    <//>
  `;
}

function signInUrl(path) {
  const here = path + window.location.search;
  return path === HOME || path === '/' ? SIGN_IN : `${SIGN_IN}?next=${encodeURIComponent(here)}`;
}

function SignedOut({ session, path }) {
  switch (path) {
    case SIGN_IN:
      return html`<${SignInScreen} auth=${session.auth} hint=${session.signIn} />`;
    case FORGOT_PASSWORD:
      return html`<${ForgotPasswordScreen} auth=${session.auth} />`;
    case RESET_PASSWORD:
      return html`<${ResetPasswordScreen} />`;
    default:
      return html`<${Redirect} to=${signInUrl(path)} />`;
  }
}

function SignedIn({ session, path }) {
  if (path === RESET_PASSWORD) return html`<${ResetPasswordScreen} />`; // a reset link works signed in too
  if (path in AUTH_TITLES) return html`<${Redirect} to=${HOME} />`;
  return html`<${Shell} user=${session.user} path=${path} />`;
}

function Screen({ session, path }) {
  switch (session.phase) {
    case 'loading':
      return html`<${Loading} />`;
    case 'unavailable':
      return html`<${Unavailable} error=${session.error} />`;
    case 'setup':
      return path === SETUP ? html`<${SetupScreen} auth=${session.auth} />` : html`<${Redirect} to=${SETUP} />`;
    case 'signed-out':
      return html`<${SignedOut} session=${session} path=${path} />`;
    default:
      return html`<${SignedIn} session=${session} path=${path} />`;
  }
}

export function App() {
  const session = useSession();
  const path = usePath();
  useEffect(() => {
    if (AUTH_TITLES[path] && session.phase !== 'signed-in') document.title = `${AUTH_TITLES[path]} · Sasha Studio`;
  }, [path, session.phase]);
  return html`
    <${Screen} session=${session} path=${path} />
    <${NoticeList} />
  `;
}
