// Dates as people read them: "3 minutes ago" or "12 Mar 2026", with the exact time on hover.
import { html } from './html.js';

const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [7, 'day'],
];

/** "just now", "5 minutes ago", "yesterday"; the date itself once it is more than a week old. */
export function timeAgo(date, now = Date.now()) {
  let amount = (date.getTime() - now) / 1000;
  if (Math.abs(amount) < 45) return 'just now';
  for (const [size, unit] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return shortDate.format(date);
}

/** A <time> for an ISO timestamp (or `empty` when there is none), relative or as a date. */
export function DateText({ value, empty = 'Never', ago = false }) {
  if (!value) return html`<span class="muted">${empty}</span>`;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return html`<span class="muted">${empty}</span>`;
  return html`<time datetime=${value} title=${fullDate.format(date)}>${ago ? timeAgo(date) : shortDate.format(date)}</time>`;
}
