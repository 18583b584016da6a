// A Git job that outlived the API's wait (a 202): its end arrives as a `git.done` event on the WebSocket; the job's
// route is asked every 2 s as well, so a dropped socket or a missed event only delays the answer.
import { ApiError, api } from '../api.js';
import { realtime } from '../realtime.js';

export const POLL_INTERVAL_MS = 2_000;
const GIVE_UP_MS = 15 * 60_000; // longer than any runner's Git job may take

/**
 * The job's error as the ApiError a direct answer would have been: extras (a merge's `conflicts`) sit beside
 * `code` and `message`, as in an HTTP answer (a `details` object, from jobs recorded before that, is read too).
 */
export function jobError(error) {
  const given = error && typeof error === 'object' ? error : {};
  const detail = { ...(given.details || {}), ...given };
  return new ApiError(detail.message || 'The Git operation failed.', {
    status: detail.status ?? 0,
    code: detail.code || 'git_failed',
    requestId: detail.requestId ?? null,
    detail,
  });
}

/** Resolves with the job's result when it succeeds; rejects with its error (an ApiError) when it fails. */
export function waitForJob(jobId, { intervalMs = POLL_INTERVAL_MS, giveUpMs = GIVE_UP_MS } = {}) {
  return new Promise((resolve, reject) => {
    let timer = null;
    let settled = false;
    const started = Date.now();
    const finish = (ok, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      if (ok) resolve(value);
      else reject(value);
    };
    const unsubscribe = realtime.on('git.done', (event) => {
      if (event.jobId !== jobId) return;
      if (!event.ok) finish(false, jobError(event.error));
      else if (event.result) finish(true, event.result);
      else poll(); // a result too large for one event: the job's route has it
    });
    let polling = false;
    const poll = async () => {
      if (settled || polling) return;
      polling = true;
      clearTimeout(timer);
      if (Date.now() - started > giveUpMs) {
        finish(false, new ApiError('The Git operation is still running. Refresh in a while to see its outcome.',
          { code: 'job_still_running' }));
        return;
      }
      try {
        const job = await api.get(`/api/git/jobs/${encodeURIComponent(jobId)}`);
        if (job?.state === 'succeeded') return finish(true, job.result);
        if (job?.state === 'failed') return finish(false, jobError(job.error));
      } catch (err) {
        if (err.status === 404) return finish(false, err); // the job is gone: nothing more will come
        // Anything else (the network, a 503): the event may still come; ask again on the next tick.
      } finally {
        polling = false;
      }
      if (!settled) timer = setTimeout(poll, intervalMs);
    };
    timer = setTimeout(poll, intervalMs);
  });
}
