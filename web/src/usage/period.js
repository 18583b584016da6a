// Periods of the Usage screen as the API takes them: `from` and `to` are calendar days (YYYY-MM-DD, both
// included), counted in the viewer's own calendar. Pure functions; `today` is passed in so tests can pin it.

export const PRESETS = [
  { value: 'month', label: 'This month' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom' },
];

const pad = (n) => String(n).padStart(2, '0');

/** "2026-03-09" for a Date, in the viewer's calendar. */
export function isoDay(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The Date at local midnight of a "YYYY-MM-DD" day, or null when it is not one. */
export function parseDay(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return isoDay(date) === day ? date : null;
}

function daysBefore(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() - days);
}

/** `{ from, to }` of a preset; "custom" keeps the given days. */
export function periodOf(preset, custom = {}, today = new Date()) {
  if (preset === 'month') return { from: isoDay(new Date(today.getFullYear(), today.getMonth(), 1)), to: isoDay(today) };
  if (preset === '7d') return { from: isoDay(daysBefore(today, 6)), to: isoDay(today) };
  if (preset === '30d') return { from: isoDay(daysBefore(today, 29)), to: isoDay(today) };
  return { from: custom.from || isoDay(daysBefore(today, 29)), to: custom.to || isoDay(today) };
}

/** What is wrong with a custom period (of at most `longest` days), or null. */
export function periodProblem({ from, to }, longest = 366) {
  if (!parseDay(from) || !parseDay(to)) return 'Give both days of the period.';
  if (from > to) return 'The period must start on or before the day it ends.';
  if (Math.round((parseDay(to) - parseDay(from)) / 86_400_000) + 1 > longest) {
    return `The period can be at most ${longest} days long.`;
  }
  return null;
}

/** Every day from `from` to `to` (both included), as "YYYY-MM-DD"; at most `limit` of them. */
export function daysBetween(from, to, limit = 1000) {
  const days = [];
  const end = parseDay(to);
  for (let day = parseDay(from); day && end && day <= end && days.length < limit; day = daysBefore(day, -1)) {
    days.push(isoDay(day));
  }
  return days;
}
