// The CLAUDE.md routes (/api/rules/claude-md…) for one scope: the caller's own ('user') or a project's ('project').
// A `where` is `{ scope, projectId }`; projectId is null for the user scope.
import { api } from '../api.js';

const BASE = '/api/rules/claude-md';

function query(where, extra = {}) {
  const params = new URLSearchParams({ scope: where.scope });
  if (where.scope === 'project') params.set('projectId', where.projectId);
  for (const [key, value] of Object.entries(extra)) if (value !== null && value !== undefined) params.set(key, value);
  return params.toString();
}

const body = (where, fields) => ({ scope: where.scope, ...(where.scope === 'project' ? { projectId: where.projectId } : {}), ...fields });

export const rulesApi = {
  /** The active document: {version (0 = none yet), content, sha256, authorName, createdAt, source, canEdit, maxBytes}. */
  current: (where) => api.get(`${BASE}?${query(where)}`),
  /** Saves `content` as a new version; a 409 `version_conflict` carries the newer document in `error.detail.current`. */
  save: (where, content, baseVersion) => api.put(BASE, body(where, { content, baseVersion })),
  /** A page of the history, newest first: {versions, next} (`next` is the `before` of the following page, or null). */
  versions: (where, before = null, limit = 20) => api.get(`${BASE}/versions?${query(where, { before, limit })}`),
  version: (where, version) => api.get(`${BASE}/versions/${encodeURIComponent(version)}?${query(where)}`),
  /** {from, to, unified, lines: [{kind: 'equal' | 'insert' | 'delete', old, new, text}]}. */
  diff: (where, from, to) => api.get(`${BASE}/diff?${query(where, { from, to })}`),
  restore: (where, version, baseVersion) => api.post(`${BASE}/restore`, body(where, { version, baseVersion })),
};

/** The size of `text` as the server counts it (UTF-8 bytes). */
export const byteSize = (text) => new TextEncoder().encode(text).length;

/** "812 bytes", "12.5 KB". */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
}

export const SOURCES = { editor: 'Rules editor', files: 'Files screen', claude: 'Claude', restore: 'Restored' };

/** Pairs a diff's lines into side-by-side rows: equal lines on both sides, a run of deletions beside its insertions. */
export function sideBySide(lines) {
  const rows = [];
  let deleted = [];
  let inserted = [];
  const flush = () => {
    for (let i = 0; i < Math.max(deleted.length, inserted.length); i += 1) rows.push({ left: deleted[i] ?? null, right: inserted[i] ?? null });
    deleted = [];
    inserted = [];
  };
  for (const line of lines) {
    if (line.kind === 'delete') deleted.push(line);
    else if (line.kind === 'insert') inserted.push(line);
    else {
      flush();
      rows.push({ left: line, right: line });
    }
  }
  flush();
  return rows;
}
