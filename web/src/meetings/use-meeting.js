// The open meeting, kept in step with the server: its record and transcript on opening; lines from this tab's
// segment answers and from `meeting.transcript` events; advice from `meeting.advice` events; the meeting from
// `meeting.status` events and from every answer. Events are a shortcut, never needed: while an analysis or an
// answer runs the meeting is asked for every 2 s, and a live meeting recorded elsewhere has its transcript read
// every 5 s.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useRealtimeEvent } from '../use-realtime.js';
import { addAdvice, applyAdviceEvent, hasEnded, isRunning, mergeAdvice } from './advice.js';
import { meetingFromEvent, meetingsApi } from './api.js';
import { capture } from './capture.js';
import { mergeLines } from './transcript.js';

export const POLL_MS = 2_000;
export const TRANSCRIPT_POLL_MS = 5_000;
const MAX_RETRY_ROUNDS = 10; // a retry works ~20 s per request; more rounds while each one makes progress
const EMPTY = Object.freeze({ meetingId: null, meeting: null, lines: [], loadError: null });

/** `run()` every `intervalMs` while `active`, one call at a time; its failures wait for the next tick. */
function useInterval(active, intervalMs, run) {
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => {
    if (!active) return undefined;
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        await latest.current();
      } catch {
        // a dropped request: the next tick asks again
      } finally {
        busy = false;
      }
    }, intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
}

/**
 * `{ meeting, lines, loadError, reload, take, analyze, retry, askAdvice }` for `meetingId`; `capturing` says this
 * tab records it; `onMeeting(meeting)` hears every version of the meeting the server sends.
 */
export function useMeeting(meetingId, { capturing = false, onMeeting } = {}) {
  const [state, setState] = useState(EMPTY);
  const serial = useRef(0);
  const onMeetingRef = useRef(onMeeting);
  onMeetingRef.current = onMeeting;

  const update = useCallback((change) => setState((s) => (s.meetingId === meetingId && s.meeting ? change(s) : s)), [meetingId]);
  const take = useCallback((answer) => {
    if (answer?.meetingId !== meetingId) return;
    update((s) => ({ ...s, meeting: { ...s.meeting, ...answer, advice: mergeAdvice(s.meeting.advice || [], answer.advice) } }));
    onMeetingRef.current?.(answer);
  }, [meetingId, update]);
  const addLines = useCallback((lines) => update((s) => ({ ...s, lines: mergeLines(s.lines, lines) })), [update]);

  const reload = useCallback(() => {
    const mine = ++serial.current;
    if (!meetingId) return setState(EMPTY);
    setState((s) => (s.meetingId === meetingId ? { ...s, loadError: null } : { ...EMPTY, meetingId }));
    return Promise.all([meetingsApi.get(meetingId), meetingsApi.transcript(meetingId)]).then(
      ([meeting, lines]) => {
        if (mine !== serial.current) return;
        setState((s) => {
          const held = s.meetingId === meetingId ? s : EMPTY;
          const advice = mergeAdvice(held.meeting?.advice || [], meeting.advice);
          return { meetingId, meeting: { ...meeting, advice }, lines: mergeLines(held.lines, lines), loadError: null };
        });
        onMeetingRef.current?.(meeting);
      },
      (err) => mine === serial.current && setState((s) => ({ ...s, meetingId, loadError: err.message })),
    );
  }, [meetingId]);
  useEffect(() => {
    reload();
  }, [reload]);

  useEffect(() => capture.onLines((id, lines) => id === meetingId && addLines(lines)), [meetingId, addLines]);
  useRealtimeEvent('meeting.transcript', (event) => event.meetingId === meetingId && addLines(event.lines));
  useRealtimeEvent('meeting.status', (event) => {
    take(meetingFromEvent(event));
    // The event carries the status only: the analysis, error and counts that came with it are in the meeting.
    if (event.meetingId === meetingId) meetingsApi.get(meetingId).then(take, () => {});
  });
  useRealtimeEvent('meeting.advice', (event) => {
    if (event.meetingId !== meetingId) return;
    update((s) => ({ ...s, meeting: { ...s.meeting, advice: applyAdviceEvent(s.meeting.advice || [], event) } }));
    // The whole text is in the meeting (a `done` event too large for a frame carries none).
    if (hasEnded(event)) meetingsApi.get(meetingId).then(take, () => {});
  });

  const current = state.meetingId === meetingId ? state : EMPTY;
  const status = current.meeting?.status;
  const waiting = status === 'analyzing' || (current.meeting?.advice || []).some(isRunning);
  useInterval(waiting, POLL_MS, async () => take(await meetingsApi.get(meetingId)));
  useInterval(status === 'active' && !capturing, TRANSCRIPT_POLL_MS, async () => addLines(await meetingsApi.transcript(meetingId)));

  const analyze = async () => {
    const answer = await meetingsApi.analyze(meetingId);
    take(answer?.meetingId ? answer : { meetingId, status: 'analyzing', error: null });
  };
  /** Transcribes the failed segments again, asking again while each round makes progress; the last answer. */
  const retry = async () => {
    let answer = await meetingsApi.retry(meetingId);
    for (let round = 1; round < MAX_RETRY_ROUNDS && answer?.failedSegments?.length; round += 1) {
      const left = answer.failedSegments.length;
      take(answer);
      answer = await meetingsApi.retry(meetingId);
      if ((answer?.failedSegments?.length ?? 0) >= left) break; // no progress: the engine is still unavailable
    }
    take(answer);
    await reload();
    return answer;
  };
  const askAdvice = async (question) => {
    const answer = await meetingsApi.adviseNow(meetingId, question);
    if (answer?.adviceId) update((s) => ({ ...s, meeting: { ...s.meeting, advice: addAdvice(s.meeting.advice || [], answer.adviceId, question || null) } }));
  };

  return { ...current, reload, take, analyze, retry, askAdvice };
}
