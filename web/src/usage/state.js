// What the Usage screen shows (period, grouping, person) kept in its URL, so a reload or a link comes back to it;
// and the three requests behind one view. No markup.
import { GROUPS, getSummary, getTopSessions } from './api.js';
import { PRESETS, parseDay, periodOf } from './period.js';

const PRESET_VALUES = new Set(PRESETS.map((preset) => preset.value));
const GROUP_VALUES = new Set(GROUPS.map((group) => group.value));

/** The filters in `search` (a URL's query), with `defaults` for what it leaves out or gets wrong. */
export function filtersFrom(search, defaults) {
  const query = new URLSearchParams(search);
  const preset = PRESET_VALUES.has(query.get('period')) ? query.get('period') : defaults.preset;
  const custom = { from: parseDay(query.get('from')) && query.get('from'), to: parseDay(query.get('to')) && query.get('to') };
  return {
    preset,
    ...periodOf(preset, custom),
    groupBy: GROUP_VALUES.has(query.get('groupBy')) ? query.get('groupBy') : defaults.groupBy,
    userId: query.has('user') ? query.get('user') || null : defaults.userId,
  };
}

/** The query that `filtersFrom` reads back; `user=` (empty) is the organization, as opposed to the default. */
export function searchOf(filters) {
  const query = new URLSearchParams({ period: filters.preset });
  if (filters.preset === 'custom') {
    query.set('from', filters.from);
    query.set('to', filters.to);
  }
  query.set('groupBy', filters.groupBy);
  query.set('user', filters.userId || '');
  return query.toString();
}

/** `{ summary, daily, top }`: the table's grouping, the chart's days (the same answer when grouped by day), the top sessions. */
export async function loadUsage(filters, { signal }) {
  const period = { from: filters.from, to: filters.to, userId: filters.userId };
  const [summary, daily, top] = await Promise.all([
    getSummary({ ...period, groupBy: filters.groupBy }, { signal }),
    filters.groupBy === 'day' ? null : getSummary({ ...period, groupBy: 'day' }, { signal }),
    getTopSessions(period, { signal }),
  ]);
  return { summary, daily: daily ?? summary, top };
}

/** Nothing recorded in the period: no request and no row. */
export const isEmpty = (summary) => !summary.rows.length && !(summary.totals?.requests > 0);
