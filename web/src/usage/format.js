// Money and tokens as the Usage, Budgets and banner screens show them.

const whole = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const longDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** "$12.34", "$0.01", "$0.042", "$0.0031": enough digits that a small cost does not read as nothing. */
export function money(usd) {
  const amount = Number(usd) || 0;
  if (amount > 0 && amount < 0.0001) return '<$0.0001';
  const digits = amount >= 1 || amount === 0 ? 2 : amount >= 0.01 ? 3 : 4;
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

export const tokens = (count) => whole.format(Number(count) || 0);
export const tokensShort = (count) => compact.format(Number(count) || 0);

/** All the tokens of a row: input, output and both cache sides. */
export const totalTokens = (row) =>
  (row.inputTokens || 0) + (row.outputTokens || 0) + (row.cacheReadTokens || 0) + (row.cacheWriteTokens || 0);

/** "9 Mar" for a "YYYY-MM-DD" day (`long`: "9 Mar 2026"); the text itself when it is not a day. */
export function dayText(day, { long = false } = {}) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!match) return day;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return (long ? longDay : shortDay).format(date);
}

/** "1 Apr 2026" for an ISO timestamp, or null. */
export function dateText(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? longDay.format(date) : null;
}
