// Entry point: render the shell at once, then connect the WebSocket once /config.json is known.
import { render } from 'preact';
import { App } from './app.js';
import { loadConfig, socketUrl } from './config.js';
import { html } from './html.js';
import { realtime } from './realtime.js';
import { HOME } from './routes.js';
import { onTokenChange } from './token.js';

if (window.location.pathname === '/') {
  window.history.replaceState(null, '', HOME + window.location.search + window.location.hash);
}

render(html`<${App} />`, document.getElementById('app'));

let config = null;
// Loaded lazily inside the resolver, so a failed load is retried with the socket's backoff.
realtime.start(async () => socketUrl((config ??= await loadConfig())));
onTokenChange(() => realtime.restart());
