// The cloud drive routes (docs/web-drives.md), through the app's one REST client: providers (administrators),
// connections, the OAuth start, and a project's mounts.
import { api } from '../api.js';

const enc = encodeURIComponent;
const PROVIDERS = '/api/drives/providers';
const CONNECTIONS = '/api/drives/connections';
const mountsOf = (projectId) => `/api/projects/${enc(projectId)}/mounts`;
const mountPath = (projectId, mountId) => `${mountsOf(projectId)}/${enc(mountId)}`;

export const drivesApi = {
  providers: () => api.get(PROVIDERS),
  createProvider: (body) => api.post(PROVIDERS, body),
  updateProvider: (providerId, body) => api.patch(`${PROVIDERS}/${enc(providerId)}`, body),
  deleteProvider: (providerId) => api.delete(`${PROVIDERS}/${enc(providerId)}`),

  connections: () => api.get(CONNECTIONS),
  createConnection: (body) => api.post(CONNECTIONS, body),
  deleteConnection: (connectionId) => api.delete(`${CONNECTIONS}/${enc(connectionId)}`),
  /** `{ authorizeUrl, state, expiresAt }`: where the sign-in popup goes. */
  startSignIn: (providerId, connectionId) =>
    api.get(`/api/auth/${enc(providerId)}/start?${new URLSearchParams({ connectionId })}`),

  mounts: (projectId) => api.get(mountsOf(projectId)),
  addMount: (projectId, body) => api.post(mountsOf(projectId), body),
  updateMount: (projectId, mountId, body) => api.patch(mountPath(projectId, mountId), body),
  removeMount: (projectId, mountId) => api.delete(mountPath(projectId, mountId)),
  /** 202 `{ mount }`: the sync is queued; the mount comes back (usually `mounting`). */
  syncMount: async (projectId, mountId) => {
    const answer = await api.post(`${mountPath(projectId, mountId)}/sync`);
    return answer?.mount ?? answer;
  },
};
