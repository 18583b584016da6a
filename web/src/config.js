// Runtime configuration from /config.json: where the WebSocket lives and which mode the stack runs in.
import { api } from './api.js';
import { getToken } from './token.js';

/** Loads {"wsUrl": null | "wss://...", "mode": "local" | "aws"}. */
export function loadConfig() {
  return api.get('/config.json');
}

/** The WebSocket URL: the configured one, or same-origin /ws; with ?token= when signed in. */
export function socketUrl(config, location = window.location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = new URL(config?.wsUrl || `${scheme}//${location.host}/ws`);
  const token = getToken();
  if (token) url.searchParams.set('token', token);
  return url.toString();
}
