// The header's connection pill: a plain state ("Connected", "Reconnecting…"); the last round trip in milliseconds
// is only in its tooltip. `data-state` carries the raw state for tests and styling; a visually hidden live region
// announces state changes only (not every round trip or countdown second).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { realtime } from '../realtime.js';
import { useConnection } from '../use-realtime.js';

const DESCRIPTIONS = {
  connecting: 'Connecting to Sasha Studio.',
  connected: 'Connected. The back end is answering.',
  degraded: 'Connected, but the back end is not answering.',
  reconnecting: 'Connection lost. Reconnecting automatically.',
  offline: 'This device is offline. Sasha Studio will reconnect when the network is back.',
};

/** Whole seconds until `at` (epoch ms); re-renders every second while there is something to count down. */
function useSecondsUntil(at) {
  const [, setTicks] = useState(0);
  useEffect(() => {
    if (!at) return undefined;
    const timer = setInterval(() => setTicks((ticks) => ticks + 1), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : null;
}

/** The pill's words: a plain state, and (while waiting to retry) when the next attempt is. */
function labels({ status }, secondsLeft) {
  const retrying = secondsLeft ? `retrying in ${secondsLeft}s` : null;
  switch (status) {
    case 'connected':
      return ['Connected', null];
    case 'degraded':
      return ['Waiting for the server', null];
    case 'reconnecting':
      return ['Reconnecting…', retrying];
    case 'offline':
      return ['Offline', retrying];
    default:
      return ['Connecting…', null];
  }
}

export function ConnectionIndicator() {
  const state = useConnection();
  const secondsLeft = useSecondsUntil(state.retryAt);
  const [label, detail] = labels(state, secondsLeft);
  const canRetry = state.status === 'reconnecting' || state.status === 'offline';
  const title = state.status === 'connected' && state.rttMs !== null
    ? `${DESCRIPTIONS.connected} Last round trip: ${state.rttMs} ms.`
    : DESCRIPTIONS[state.status];
  return html`
    <div class="connection" id="connection-status" data-state=${state.status} title=${title}>
      <span class="connection-dot" aria-hidden="true"></span>
      <span class="connection-label" aria-hidden="true">
        ${label}${detail && html`<span class="connection-detail"> · ${detail}</span>`}
      </span>
      <span class="sr-only" role="status" aria-live="polite">${DESCRIPTIONS[state.status]}</span>
      ${canRetry &&
      html`<button type="button" class="link-button" onClick=${() => realtime.reconnectNow()}>Retry now</button>`}
    </div>
  `;
}
