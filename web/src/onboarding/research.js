// Live learning: the company research's events, from the WebSocket and from the long-poll stream, kept in `seq`
// order and once each. No markup here.
//
// Phases: idle (never started: status pending) → running (researching; progress and documents arrive) → completed
// | failed; Retry starts a new run. Seqs go on across runs: a run is the events after the profile's
// `researchCursor`, so the progress and documents of a failed run make way for the new one's.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useRealtimeEvent } from '../use-realtime.js';

export const RESEARCH_EVENTS = ['research.started', 'research.progress', 'research.document', 'research.completed', 'research.failed'];
const LONG_POLL_SECONDS = 20;
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 15_000];
const PHASE_OF_STATUS = { researching: 'running', completed: 'completed', failed: 'failed' };

/** `events` and `incoming` merged by `seq` (a seq already held is dropped), in seq order. */
export function mergeEvents(events, incoming) {
  const seen = new Set(events.map((event) => event.seq));
  const fresh = incoming.filter((event) => Number.isFinite(event?.seq) && RESEARCH_EVENTS.includes(event.type) && !seen.has(event.seq));
  if (!fresh.length) return events;
  for (const event of fresh) seen.add(event.seq);
  return [...events, ...fresh].sort((a, b) => a.seq - b.seq);
}

/** A progress event reads as its text, or as what Claude did with a tool ("Write research/overview.md"). */
function progressText(event) {
  return event.text || event.summary || event.tool || '';
}

/**
 * What a run's events say: `{ phase, steps: [{seq, text}], documents: [{id, title, path}], error }`. Without a
 * terminal event the phase is `fallback` (from the server's status).
 */
export function summarise(events, fallback = 'idle') {
  const run = { phase: fallback, steps: [], documents: [], error: null };
  for (const event of events) {
    if (event.type === 'research.started') {
      run.phase = 'running';
    } else if (event.type === 'research.progress' && progressText(event)) {
      run.steps.push({ seq: event.seq, text: progressText(event) });
    } else if (event.type === 'research.document') {
      const id = event.docId ?? event.path ?? String(event.seq);
      if (!run.documents.some((doc) => doc.id === id)) run.documents.push({ id, title: event.title || event.path, path: event.path });
    } else if (event.type === 'research.completed') {
      run.phase = 'completed';
    } else if (event.type === 'research.failed') {
      run.phase = 'failed';
      run.error = event.message || 'The research stopped before it finished.';
    }
  }
  return run;
}

/** The run's documents, then those the server lists that its events no longer hold (the log expires). */
function withListed(documents, listed) {
  const known = new Set(documents.map((doc) => doc.id));
  return [...documents, ...listed.filter((doc) => !known.has(doc.id)).map(({ id, title, path }) => ({ id, title: title || path, path }))];
}

const streamUrl = (projectId, after, wait) =>
  `/api/profile/organization/research/${encodeURIComponent(projectId)}/stream?after=${after}&wait=${wait}`;

/**
 * The research of the company's `profile`: `{ phase, steps, documents, error, live, start() }`. While a run is in
 * progress its stream is long-polled (the socket's events arrive as soon; both are merged by seq). `live` is null,
 * or what is wrong with the stream while it retries. `start()` (also Retry) POSTs the research and resolves with
 * the profile, or rejects with the server's message.
 */
export function useResearch(profile) {
  const projectId = profile?.projectId ?? null;
  const [state, setState] = useState(() => ({
    events: [],
    from: profile?.researchCursor ?? 0,
    status: profile?.researchStatus ?? null,
    live: null,
    listed: [],
  }));
  const loop = useRef({ serial: 0, cursor: profile?.researchCursor ?? 0 });
  const mounted = useRef(true);
  useEffect(() => () => (mounted.current = false), []);

  const listDocuments = useCallback(() => {
    api.get(`/api/profile/organization/research/${encodeURIComponent(projectId)}/documents`).then(
      (listed) => mounted.current && setState((s) => ({ ...s, listed })),
      () => {}, // the events already named the run's documents; the list only fills in expired ones
    );
  }, [projectId]);

  /** Polls until the stream says the run is done; a newer follow() (or leaving) ends it, without aborting. */
  const follow = useCallback(async () => {
    const mine = ++loop.current.serial;
    const current = () => mounted.current && mine === loop.current.serial;
    let failures = 0;
    let wait = 0; // the first answer at once: what happened so far
    while (current()) {
      try {
        const answer = await api.get(streamUrl(projectId, loop.current.cursor, wait));
        if (!current()) return;
        failures = 0;
        loop.current.cursor = answer.cursor ?? loop.current.cursor;
        setState((s) => ({ ...s, events: mergeEvents(s.events, answer.events || []), status: answer.status ?? s.status, live: null }));
        if (answer.done) {
          if (answer.status === 'completed') listDocuments();
          return;
        }
        wait = LONG_POLL_SECONDS;
      } catch (err) {
        if (!current()) return;
        setState((s) => ({ ...s, live: err.message }));
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)]));
        failures += 1;
      }
    }
  }, [projectId]);

  useEffect(() => {
    if (projectId && state.status && state.status !== 'pending') follow();
    return () => loop.current.serial++;
  }, [projectId]);

  useRealtimeEvent('*', (event) => {
    if (RESEARCH_EVENTS.includes(event.type) && (!event.projectId || event.projectId === projectId)) {
      setState((s) => ({ ...s, events: mergeEvents(s.events, [event]) }));
    }
  });

  const start = async () => {
    const started = await api.post(`/api/profile/organization/research/${encodeURIComponent(projectId)}`);
    if (!mounted.current) return started;
    const from = started.researchCursor ?? loop.current.cursor;
    loop.current.cursor = from;
    setState((s) => ({ events: s.events.filter((e) => e.seq > from), from, status: started.researchStatus, live: null, listed: [] }));
    follow();
    return started;
  };

  const settled = PHASE_OF_STATUS[state.status];
  const summary = summarise(state.events.filter((event) => event.seq > state.from), settled ?? 'idle');
  // The server's status settles a run whose terminal event this page did not see.
  if (summary.phase === 'running' && (settled === 'completed' || settled === 'failed')) summary.phase = settled;
  if (summary.phase === 'completed') summary.documents = withListed(summary.documents, state.listed);
  return { ...summary, live: state.live, start };
}
