// The Git screen's state for one project: the repository's status, the one operation running at a time (with the
// transfer progress its job reports), what the last operation said, and the problem it ran into.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useRealtimeEvent } from '../use-realtime.js';
import { gitApi } from './api.js';

// Errors after which the repository is not what the page shows any more: its status is read again.
const RELOAD_AFTER = new Set(['merge_conflict', 'merge_in_progress', 'push_rejected', 'not_initialized', 'checkout_blocked']);

/** The Status inside an operation's answer (a Status itself, or `{ status, … }`), or null. */
export function statusIn(answer) {
  if (answer && typeof answer === 'object' && 'initialized' in answer) return answer;
  return answer?.status && 'initialized' in answer.status ? answer.status : null;
}

/**
 * `{ status, loadError, reload, busy, progress, problem, flash, say, clearProblem, run }` for `projectId`.
 * `run(op, label, call, done)`: `call({ onJob })` does the request; `done(answer)` returns the message to show.
 */
export function useGit(projectId) {
  const [state, setState] = useState({ projectId: null, status: null, loadError: null });
  const [busy, setBusy] = useState(null); // { op, label, jobId }
  const [progress, setProgress] = useState(null); // { phase, percent }
  const [problem, setProblem] = useState(null); // { op, error }
  const [flash, setFlash] = useState(null); // { tone, message }
  const serial = useRef(0);
  const busyRef = useRef(null); // the running operation, at once (state only re-renders)
  const projectRef = useRef(projectId);
  projectRef.current = projectId;

  const reload = useCallback(() => {
    const mine = ++serial.current;
    if (!projectId) return Promise.resolve(null);
    setState((s) => ({ ...s, loadError: null }));
    return gitApi.status(projectId).then(
      (status) => {
        if (mine === serial.current) setState({ projectId, status, loadError: null });
        return status;
      },
      (err) => {
        if (mine === serial.current) setState((s) => ({ ...s, projectId, loadError: err.message }));
        return null;
      },
    );
  }, [projectId]);

  useEffect(() => {
    setState({ projectId, status: null, loadError: null }); // another project's status must not flash
    setProblem(null);
    setFlash(null);
    reload();
  }, [reload]);

  useRealtimeEvent('git.progress', (event) => {
    const running = busyRef.current;
    if (!running || event.projectId !== projectId) return;
    if (running.jobId ? event.jobId !== running.jobId : event.op !== running.op) return;
    setProgress({ phase: event.phase || '', percent: Number.isFinite(event.percent) ? event.percent : null });
  });

  const run = async (op, label, call, done) => {
    if (busyRef.current) return null;
    const forProject = projectId;
    const running = { op, label, jobId: null };
    busyRef.current = running;
    setBusy(running);
    setProgress(null);
    setProblem(null);
    setFlash(null);
    try {
      const onJob = (jobId) => {
        running.jobId = jobId; // its progress events can now be told apart by id
        if (busyRef.current === running) setBusy({ ...running });
      };
      const answer = await call({ onJob });
      if (forProject !== projectRef.current) return null;
      const status = statusIn(answer);
      if (status) setState({ projectId, status, loadError: null });
      const message = done?.(answer);
      if (message) setFlash({ tone: 'ok', message });
      return answer;
    } catch (err) {
      if (err.name === 'AbortError' || forProject !== projectRef.current) return null;
      setProblem({ op, error: err });
      if (RELOAD_AFTER.has(err.code)) reload();
      return null;
    } finally {
      busyRef.current = null;
      setBusy(null);
      setProgress(null);
    }
  };

  const current = state.projectId === projectId ? state : { status: null, loadError: null };
  return {
    status: current.status,
    loadError: current.loadError,
    reload,
    busy,
    progress,
    problem,
    flash,
    say: (message, tone = 'ok') => setFlash({ tone, message }),
    clearProblem: () => setProblem(null),
    run,
  };
}
