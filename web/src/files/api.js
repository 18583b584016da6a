// The files API of one project (docs/files.md), through the app's one REST client.
import { api } from '../api.js';
import { getToken } from '../token.js';

const base = (projectId) => `/api/projects/${encodeURIComponent(projectId)}/files`;
const query = (params) => new URLSearchParams(params).toString();

/**
 * The project's tree: `{ tree, etag }`, or `{ notModified: true }` when it still has `etag` (a 304, no body).
 * Only a 200 or a 304 is read here; any other answer is asked again through the shared client, which turns it into
 * the ApiError every screen shows (and ends the session on a 401).
 */
export async function fetchTree(projectId, etag) {
  const url = `${base(projectId)}/tree`;
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (etag) headers['If-None-Match'] = etag;
  let response;
  try {
    response = await fetch(url, { headers, cache: 'no-store' });
  } catch {
    response = null;
  }
  if (response?.status === 304) {
    await response.text(); // read to its (empty) end: left unread, Chromium counts the request as aborted
    return { notModified: true };
  }
  if (response?.ok) return { tree: await response.json(), etag: response.headers.get('ETag') };
  return { tree: await api.get(url), etag: null };
}

export const filesApi = {
  content: (projectId, path) => api.get(`${base(projectId)}/content?${query({ path })}`),
  save: (projectId, path, content, etag) => api.put(`${base(projectId)}/content`, { path, content, ...(etag ? { etag } : {}) }),
  downloadUrl: (projectId, path, { inline = false } = {}) =>
    api.get(`${base(projectId)}/download?${query({ path, inline: inline ? 'true' : 'false' })}`),
  createFolder: (projectId, path) => api.post(`${base(projectId)}/folders`, { path }),
  move: (projectId, from, to) => api.post(`${base(projectId)}/move`, { from, to }),
  remove: (projectId, path) => api.delete(`${base(projectId)}?${query({ path })}`),
  startUpload: (projectId, { path, size, contentType }) =>
    api.post(`${base(projectId)}/uploads`, { path, size, ...(contentType ? { contentType } : {}) }),
  upload: (projectId, uploadId) => api.get(`${base(projectId)}/uploads/${encodeURIComponent(uploadId)}`),
  cancelUpload: (projectId, uploadId, reason) =>
    api.post(`${base(projectId)}/uploads/${encodeURIComponent(uploadId)}/cancel`, reason ? { reason } : {}),
};
