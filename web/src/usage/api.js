// The usage routes (GET /api/usage/summary, /top-sessions, /export.csv) and the query each screen sends.
import { api } from '../api.js';

export const GROUPS = [
  { value: 'day', label: 'Day' },
  { value: 'user', label: 'Person' },
  { value: 'project', label: 'Project' },
  { value: 'kind', label: 'Kind' },
  { value: 'model', label: 'Model' },
];

/** "from=…&to=…[&groupBy=…][&userId=…]": a userId only when an administrator picked someone. */
export function usageQuery({ from, to, groupBy, userId, limit }) {
  const query = new URLSearchParams({ from, to });
  if (groupBy) query.set('groupBy', groupBy);
  if (userId) query.set('userId', userId);
  if (limit) query.set('limit', String(limit));
  return query.toString();
}

export const getSummary = (filters, options) => api.get(`/api/usage/summary?${usageQuery(filters)}`, options);

export const getTopSessions = (filters, options) =>
  api.get(`/api/usage/top-sessions?${usageQuery({ ...filters, groupBy: null, limit: 10 })}`, options);

/** The CSV of the table as the server writes it, saved by the browser under the server's name or ours. */
export async function downloadCsv(filters) {
  const { blob, filename } = await api.download(`/api/usage/export.csv?${usageQuery(filters)}`);
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), {
    href: url,
    download: filename || `usage-${filters.from}-${filters.to}-by-${filters.groupBy}.csv`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the browser has started saving it
}
