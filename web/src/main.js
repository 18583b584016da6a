// Entry point: render the shell at once, ask who is signed in, and keep the WebSocket open only while someone is.
import { render } from 'preact';
import { api } from './api.js';
import { App } from './app.js';
import { loadConfig, socketUrl } from './config.js';
import { html } from './html.js';
import { realtime } from './realtime.js';
import { HOME } from './routes.js';
import { getSession, loadSession, onSessionChange } from './session.js';
import { clearSetupStatus, refreshSetupStatus } from './setup-status.js';
import { onTokenChange } from './token.js';

if (window.location.pathname === '/') {
  window.history.replaceState(null, '', HOME + window.location.search + window.location.hash);
}

render(html`<${App} />`, document.getElementById('app'));

// index.html's splash covers the page until the first screen is rendered: the frame after the session's phase is
// known (preact renders the change first). Then `data-ready` on <html> says the app is up (bench/first_paint.py).
const stopWaiting = onSessionChange(({ phase }) => {
  if (phase === 'loading') return;
  stopWaiting();
  requestAnimationFrame(() => {
    document.getElementById('boot')?.remove();
    document.documentElement.dataset.ready = 'true';
  });
});

let config = null;
// Loaded lazily inside the resolver, so a failed load is retried with the socket's backoff.
const resolveUrl = async () => socketUrl((config ??= await loadConfig()));
// The upgrade of a revoked token is refused; the browser cannot tell why, so ask the API (a 401 signs out).
const onRefused = () => api.get('/api/auth/me').catch(() => {});

let statusFor = null; // whose setup status was asked for: once per person signed in, not on every session change
onSessionChange(({ phase, user }) => {
  if (phase === 'signed-in') realtime.start(resolveUrl, { onRefused });
  else realtime.stop();
  const who = phase === 'signed-in' ? user?.id ?? null : null;
  if (who === statusFor) return;
  statusFor = who;
  if (who) refreshSetupStatus();
  else clearSetupStatus();
});
onTokenChange((token) => {
  if (token && getSession().phase === 'signed-in') realtime.restart(); // a new session after a password change
});
loadSession();
