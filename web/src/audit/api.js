// GET /api/admin/audit: one page of entries for the filters, newest first, and the cursor of the next page;
// GET /api/admin/audit/actions: every audited action, for the action filter.
import { api } from '../api.js';

export const PAGE_SIZE = 50;

/** The query for `filters` ({from, to, actorId, action, targetId, q}); empty filters are left out. */
export function auditQuery(filters, cursor = null) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    const text = typeof value === 'string' ? value.trim() : value;
    if (text) query.set(name, text);
  }
  if (cursor) query.set('cursor', cursor);
  query.set('limit', String(PAGE_SIZE));
  return query.toString();
}

export const getAuditPage = (filters, cursor, options) => api.get(`/api/admin/audit?${auditQuery(filters, cursor)}`, options);

/** Every action the server audits (`{ actions: [...] }`), whether or not an entry of it is loaded. */
export const getAuditActions = (options) => api.get('/api/admin/audit/actions', options);
