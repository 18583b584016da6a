// Runs (executions) kept fresh by polling: a schedule's history while a run is in progress, or one run until it
// ends. Polls overlap never: the next request waits for the previous answer.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { isFinished } from './format.js';

export const POLL_MS = 1500;
const PAGE = 20;

const historyUrl = (scheduleId, before) => {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (before) query.set('before', before);
  return `/api/schedules/${encodeURIComponent(scheduleId)}/executions?${query}`;
};

/**
 * A schedule's runs, newest first: `{ runs (null while loading), error, nextBefore, loadingMore, reload, loadMore,
 * expect(executionId) }`. While a run shown is `running` (or an expected one has not appeared yet) the newest page
 * is fetched again every POLL_MS; `onSettled(run)` is called when a run seen running has ended.
 */
export function useHistory(scheduleId, onSettled) {
  const [state, setState] = useState({ runs: null, error: null, nextBefore: null, loadingMore: false });
  const expected = useRef(new Set());
  const seenRunning = useRef(new Set());
  const serial = useRef(0);
  const timer = useRef(null);
  const settled = useRef(onSettled);
  settled.current = onSettled;

  const fetchNewest = useCallback(() => {
    const mine = ++serial.current;
    clearTimeout(timer.current);
    api.get(historyUrl(scheduleId)).then(
      (page) => {
        if (mine !== serial.current) return;
        for (const run of page.executions) {
          expected.current.delete(run.id);
          if (run.status === 'running') seenRunning.current.add(run.id);
          else if (seenRunning.current.delete(run.id)) settled.current?.(run);
        }
        setState((s) => {
          // Keep the older pages already loaded below the refreshed newest one.
          const fresh = new Set(page.executions.map((run) => run.id));
          const older = (s.runs || []).slice(PAGE).filter((run) => !fresh.has(run.id));
          return { ...s, runs: [...page.executions, ...older], error: null, nextBefore: s.runs?.length > PAGE ? s.nextBefore : page.nextBefore };
        });
        const busy = page.executions.some((run) => !isFinished(run.status)) || expected.current.size > 0;
        if (busy) timer.current = setTimeout(fetchNewest, POLL_MS);
      },
      (err) => mine === serial.current && setState((s) => ({ ...s, error: err.message })),
    );
  }, [scheduleId]);

  useEffect(() => {
    setState({ runs: null, error: null, nextBefore: null, loadingMore: false });
    expected.current = new Set();
    seenRunning.current = new Set();
    fetchNewest();
    return () => {
      serial.current++;
      clearTimeout(timer.current);
    };
  }, [fetchNewest]);

  const loadMore = () => {
    if (!state.nextBefore || state.loadingMore) return;
    setState((s) => ({ ...s, loadingMore: true }));
    api.get(historyUrl(scheduleId, state.nextBefore)).then(
      (page) => setState((s) => ({ ...s, runs: [...(s.runs || []), ...page.executions], nextBefore: page.nextBefore, loadingMore: false })),
      (err) => setState((s) => ({ ...s, error: err.message, loadingMore: false })),
    );
  };
  const expect = (executionId) => {
    expected.current.add(executionId);
    seenRunning.current.add(executionId);
    fetchNewest();
  };
  return { ...state, reload: fetchNewest, loadMore, expect };
}

/** One run fetched from `pollUrl` every POLL_MS until it ends: `{ run (null at first), error }`. */
export function usePolledRun(pollUrl) {
  const [state, setState] = useState({ run: null, error: null });
  useEffect(() => {
    if (!pollUrl) return undefined;
    let stopped = false;
    let timer = null;
    setState({ run: null, error: null });
    const poll = () =>
      api.get(pollUrl).then(
        (run) => {
          if (stopped) return;
          setState({ run, error: null });
          if (!isFinished(run.status)) timer = setTimeout(poll, POLL_MS);
        },
        (err) => !stopped && setState((s) => ({ ...s, error: err.message })),
      );
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [pollUrl]);
  return state;
}
