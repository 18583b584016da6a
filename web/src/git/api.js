// The Git routes of a project (docs/git.md), through the app's one REST client. A write the server could not finish
// within its wait answers 202 `{ jobId, op, state: 'running' }`: `write` then waits for the job's end (its `git.done`
// event, or the job's own route), so every caller gets the route's answer either way.
import { api } from '../api.js';
import { waitForJob } from './jobs.js';

const BASE = '/api/git';
const query = (params) => new URLSearchParams(params).toString();
const remotePath = (name) => `${BASE}/remotes/${encodeURIComponent(name)}`;

/** Whether an answer is the 202 of a write still running on a runner. */
export const isRunningJob = (answer) => Boolean(answer?.jobId) && answer.state === 'running' && 'op' in answer;

async function write(method, path, body, { onJob } = {}) {
  const answer = await api[method](path, body);
  if (!isRunningJob(answer)) return answer;
  onJob?.(answer.jobId);
  return waitForJob(answer.jobId);
}

/** `options.onJob(jobId)` hears the job's id when the server answers 202 (progress events can then be matched). */
export const gitApi = {
  status: (projectId) => api.get(`${BASE}/status?${query({ projectId })}`),
  diff: (projectId, path, staged) => api.get(`${BASE}/diff?${query({ projectId, path, staged: staged ? 'true' : 'false' })}`),
  branches: (projectId) => api.get(`${BASE}/branches?${query({ projectId })}`),
  log: (projectId, { limit = 20, skip = 0 } = {}) => api.get(`${BASE}/log?${query({ projectId, limit, skip })}`),
  remotes: (projectId) => api.get(`${BASE}/remotes?${query({ projectId })}`),

  init: (projectId, options) => write('post', `${BASE}/init`, { projectId }, options),
  stage: (projectId, paths, options) => write('post', `${BASE}/stage`, { projectId, ...pick(paths) }, options),
  unstage: (projectId, paths, options) => write('post', `${BASE}/unstage`, { projectId, ...pick(paths) }, options),
  generateMessage: (projectId, options) => write('post', `${BASE}/generate-commit-message`, { projectId }, options),
  commit: (projectId, message, options) => write('post', `${BASE}/commit`, { projectId, message }, options),
  push: (projectId, options) => write('post', `${BASE}/push`, { projectId, remote: 'origin' }, options),
  pull: (projectId, options) => write('post', `${BASE}/pull`, { projectId, remote: 'origin' }, options),
  fetch: (projectId, options) => write('post', `${BASE}/fetch`, { projectId, remote: 'origin' }, options),
  abortMerge: (projectId, options) => write('post', `${BASE}/merge/abort`, { projectId }, options),
  createBranch: (projectId, name, options) => write('post', `${BASE}/branches`, { projectId, name, checkout: true }, options),
  checkout: (projectId, branch, options) => write('post', `${BASE}/checkout`, { projectId, branch }, options),
  saveRemote: (projectId, name, fields, options) => write('put', remotePath(name), { projectId, ...fields }, options),
  removeRemote: (projectId, name) => api.delete(`${remotePath(name)}?${query({ projectId })}`),
};

/** `'all'` stages (or unstages) everything; otherwise a list of paths. */
function pick(paths) {
  return paths === 'all' ? { all: true } : { paths };
}
