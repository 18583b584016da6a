// Uploads in flight, for every project, kept while the page lives (leaving the Files screen does not stop them).
//
// Each file: ask for a presigned POST (the API refuses a file over the limit with 413 before anything is sent) →
// post it to S3 with XMLHttpRequest (progress from upload.onprogress; the form's fields first, the file LAST, as
// S3 requires) → poll the upload record until the ingest function has brought it to a terminal state. S3's refusal
// (EntityTooLarge, or any other error) and the person's Cancel also cancel the record, with the reason.
import { useEffect, useState } from 'preact/hooks';
import { filesApi } from './api.js';
import { joinPath } from './paths.js';

const POLL_INTERVAL_MS = 400;
const POLL_LIMIT_MS = 120_000;
const PARALLEL = 3;
// An item's phase is one of the record's terminal states, or one this module adds: on the way (ACTIVE: waiting its
// turn, asking for the presigned POST, posting, then polling), 'failed' (refused or unreachable), 'slow' (gave up).
export const TERMINAL = new Set(['stored', 'converted', 'conversion_failed', 'too_large', 'rejected', 'cancelled', 'expired']);
export const ACTIVE = new Set(['queued', 'requesting', 'uploading', 'processing']);

let items = [];
let nextId = 1;
const listeners = new Set();
const finishedListeners = new Set();
const requests = new Map(); // id → the XMLHttpRequest posting it

function publish() {
  for (const listener of listeners) listener(items);
}

function update(id, changes) {
  items = items.map((item) => (item.id === id ? { ...item, ...changes } : item));
  publish();
}

const find = (id) => items.find((item) => item.id === id);

function finish(id, changes) {
  update(id, { ...changes, file: null }); // the bytes are not needed any more
  const item = find(id);
  for (const listener of finishedListeners) listener(item);
  startNext();
}

/** The S3 error in an XML answer: `{ code, message }` (both may be empty). */
function s3Error(xhr) {
  try {
    const doc = new DOMParser().parseFromString(xhr.responseText || '', 'application/xml');
    const text = (tag) => doc.getElementsByTagName(tag)[0]?.textContent?.trim() || '';
    return { code: text('Code'), message: text('Message') };
  } catch {
    return { code: '', message: '' };
  }
}

/** Posts `file` to the presigned POST; resolves when S3 accepted it, rejects with `{ code, message }`. */
function postToS3(id, file, grant) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(grant.fields || {})) form.append(name, value);
    form.append('file', file); // last: S3 ignores every field after the file
    const xhr = new XMLHttpRequest();
    requests.set(id, xhr);
    xhr.open('POST', grant.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) update(id, { loaded: event.loaded, total: event.total });
    };
    xhr.onload = () => {
      requests.delete(id);
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const { code, message } = s3Error(xhr);
      reject({ code: code || `http_${xhr.status}`, message: message || `Storage answered ${xhr.status} ${xhr.statusText}.` });
    };
    xhr.onerror = () => {
      requests.delete(id);
      reject({ code: 'network_error', message: 'The upload did not reach storage. Check your connection and try again.' });
    };
    xhr.onabort = () => {
      requests.delete(id);
      reject({ code: 'aborted', message: 'Cancelled.' });
    };
    xhr.send(form);
  });
}

async function cancelRecord(item, reason) {
  if (!item.uploadId) return;
  try {
    await filesApi.cancelUpload(item.projectId, item.uploadId, reason);
  } catch {
    // Already ended (409) or unreachable: the record expires by itself, and the state shown is ours.
  }
}

async function poll(id) {
  const started = Date.now();
  while (Date.now() - started < POLL_LIMIT_MS) {
    const item = find(id);
    if (!item || item.phase === 'cancelled') return;
    try {
      const record = await filesApi.upload(item.projectId, item.uploadId);
      if (TERMINAL.has(record.state)) {
        const { state, reason, convertedPath, path } = record;
        return finish(id, { phase: state, reason: reason || null, convertedPath: convertedPath || null, path: path || item.path });
      }
    } catch (err) {
      if (err.status && err.status < 500) return finish(id, { phase: 'failed', reason: err.message });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  finish(id, { phase: 'slow', reason: 'Still being processed. Refresh the files in a while to see it.' });
}

async function run(id) {
  const item = find(id);
  update(id, { phase: 'requesting' });
  let grant;
  try {
    grant = await filesApi.startUpload(item.projectId, { path: item.path, size: item.file.size, contentType: item.file.type });
  } catch (err) {
    if (find(id).phase === 'cancelled') return;
    return finish(id, { phase: err.status === 413 ? 'too_large' : 'failed', reason: err.message });
  }
  if (find(id).phase === 'cancelled') return cancelRecord({ ...item, uploadId: grant.uploadId }, 'Cancelled before sending.');
  update(id, { phase: 'uploading', uploadId: grant.uploadId, path: grant.path || item.path, maxBytes: grant.maxBytes });
  if (grant.maxBytes && item.file.size > grant.maxBytes) {
    const reason = `This file is larger than the ${grant.maxBytes}-byte limit.`;
    await cancelRecord(find(id), reason);
    return finish(id, { phase: 'too_large', reason });
  }
  try {
    await postToS3(id, item.file, grant);
  } catch (err) {
    if (find(id).phase === 'cancelled') return; // the person's Cancel already said so
    await cancelRecord(find(id), `${err.code}: ${err.message}`);
    return finish(id, { phase: err.code === 'EntityTooLarge' ? 'too_large' : 'failed', reason: err.message });
  }
  update(id, { phase: 'processing', loaded: item.file.size });
  await poll(id);
}

function startNext() {
  const running = items.filter((item) => ['requesting', 'uploading'].includes(item.phase)).length;
  for (const item of items.filter((i) => i.phase === 'queued').slice(0, Math.max(0, PARALLEL - running))) run(item.id);
}

/** Queues `files` (a FileList or array) for upload into `folder` of the project; returns their ids. */
export function uploadFiles(projectId, folder, files) {
  const added = [...files].map((file) => ({
    id: nextId++, projectId, file, name: file.name, path: joinPath(folder, file.name), size: file.size,
    phase: 'queued', loaded: 0, total: file.size, uploadId: null, reason: null, convertedPath: null,
  }));
  items = [...items, ...added];
  publish();
  startNext();
  return added.map((item) => item.id);
}

/** Stops an upload that has not reached storage yet, and cancels its record. */
export function cancelUpload(id) {
  const item = find(id);
  if (!item || !['queued', 'requesting', 'uploading'].includes(item.phase)) return;
  update(id, { phase: 'cancelled', reason: null, file: null });
  requests.get(id)?.abort();
  cancelRecord(item, 'Cancelled by the person uploading.');
  for (const listener of finishedListeners) listener(find(id));
  startNext();
}

/** Forgets the uploads of `projectId` that have ended. */
export function clearFinished(projectId) {
  items = items.filter((item) => item.projectId !== projectId || ACTIVE.has(item.phase));
  publish();
}

/** Calls `listener(item)` whenever an upload ends (stored, converted, refused, failed or cancelled). */
export function onUploadFinished(listener) {
  finishedListeners.add(listener);
  return () => finishedListeners.delete(listener);
}

/** The uploads of `projectId`, oldest first; re-renders as they progress. */
export function useUploads(projectId) {
  const [current, setCurrent] = useState(items);
  useEffect(() => {
    setCurrent(items);
    listeners.add(setCurrent);
    return () => listeners.delete(setCurrent);
  }, []);
  return current.filter((item) => item.projectId === projectId);
}
