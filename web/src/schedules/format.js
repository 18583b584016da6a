// Schedules and runs as people read them: times in words in the browser's time zone, run status, duration,
// tokens and cost. Shared by the Schedules and Skills screens.
import { html } from '../html.js';

export const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const whenFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const UNITS = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [7, 'day'],
  [4.35, 'week'],
  [12, 'month'],
  [Infinity, 'year'],
];

/** "in 3 hours", "tomorrow", "5 minutes ago" (rounded to the largest unit that fits). */
export function relativeWords(date, now = Date.now()) {
  let amount = (date.getTime() - now) / 1000;
  if (Math.abs(amount) < 45) return amount >= 0 ? 'in less than a minute' : 'just now';
  for (const [size, unit] of UNITS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return relative.format(Math.round(amount), 'year');
}

/** "Mon 31 Mar, 09:00" in the browser's time zone. */
export const whenText = (date) => whenFormat.format(date);
export const fullText = (date) => fullFormat.format(date);

/** A moment in words and as a date, with the full date on hover: "in 3 hours · Mon 31 Mar, 09:00". */
export function When({ value, empty = 'Never', words = true }) {
  if (!value) return html`<span class="muted">${empty}</span>`;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return html`<span class="muted">${empty}</span>`;
  return html`<time datetime=${value} title=${fullText(date)}>${words
    ? html`${relativeWords(date)} <span class="muted">· ${whenText(date)}</span>`
    : whenText(date)}</time>`;
}

export const STATUS_LABELS = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  timeout: 'Timed out',
  pending: 'Waiting',
  skipped: 'Skipped',
};

/** A run's (or step's) status as a dot and a word; `data-status` carries the raw value. */
export function RunStatus({ status }) {
  if (!status) return html`<span class="muted">Not run yet</span>`;
  return html`<span class="run-status" data-status=${status}>
    ${status === 'running'
      ? html`<span class="spinner" aria-hidden="true"></span>`
      : html`<span class="status-dot" aria-hidden="true"></span>`}${STATUS_LABELS[status] || status}</span>`;
}

export const isFinished = (status) => status && status !== 'running' && status !== 'pending';

/** "850 ms", "12.4 s", "3 min 5 s". */
export function durationText(ms) {
  if (ms == null) return null;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
export const tokensText = (run) => `${compact.format(run.tokensIn || 0)} in · ${compact.format(run.tokensOut || 0)} out`;

export function costText(usd) {
  if (!usd) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
