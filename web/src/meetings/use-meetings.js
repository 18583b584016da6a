// The Meetings screen's list: the caller's meetings, newest first as the server gives them, page by page; kept in
// step with what the screen learns about a meeting (its answers, `meeting.status` events).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useRealtimeEvent } from '../use-realtime.js';
import { meetingFromEvent, meetingsApi } from './api.js';

/**
 * `{ meetings (null while loading), error, next (the next page's query, or null), more ('idle' | 'loading'),
 * moreError, reload, loadMore, upsert, rename, remove }`.
 */
export function useMeetings() {
  const [state, setState] = useState({ meetings: null, error: null, next: null, more: 'idle', moreError: null });
  const serial = useRef(0);

  const reload = useCallback(() => {
    const mine = ++serial.current;
    setState((s) => ({ ...s, error: null }));
    meetingsApi.list().then(
      ({ meetings, next }) => mine === serial.current && setState({ meetings, error: null, next, more: 'idle', moreError: null }),
      (err) => mine === serial.current && setState((s) => ({ ...s, error: err.message })),
    );
  }, []);
  useEffect(reload, [reload]);

  const loadMore = () => {
    if (!state.next || state.more === 'loading') return;
    const mine = serial.current;
    setState((s) => ({ ...s, more: 'loading', moreError: null }));
    meetingsApi.list(state.next).then(
      ({ meetings, next }) => mine === serial.current && setState((s) => {
        const known = new Set(s.meetings.map((m) => m.meetingId));
        return { ...s, meetings: [...s.meetings, ...meetings.filter((m) => !known.has(m.meetingId))], next, more: 'idle' };
      }),
      (err) => mine === serial.current && setState((s) => ({ ...s, more: 'idle', moreError: err.message })),
    );
  };

  /** Puts a meeting the screen heard about in the list (a new one on top, unless `add` is false: a partial one). */
  const upsert = useCallback((meeting, { add = true } = {}) => {
    if (!meeting?.meetingId) return;
    setState((s) => {
      if (!s.meetings) return s;
      const found = s.meetings.some((m) => m.meetingId === meeting.meetingId);
      if (!found && !add) return s;
      const meetings = found
        ? s.meetings.map((m) => (m.meetingId === meeting.meetingId ? { ...m, ...meeting } : m))
        : [meeting, ...s.meetings];
      return { ...s, meetings };
    });
  }, []);

  useRealtimeEvent('meeting.status', (event) => upsert(meetingFromEvent(event), { add: false }));

  const rename = async (meetingId, title) => {
    const meeting = await meetingsApi.rename(meetingId, title);
    upsert(meeting?.meetingId ? meeting : { meetingId, title });
    return meeting;
  };

  const remove = async (meetingId) => {
    await meetingsApi.remove(meetingId);
    setState((s) => ({ ...s, meetings: (s.meetings || []).filter((m) => m.meetingId !== meetingId) }));
  };

  return { ...state, reload, loadMore, upsert, rename, remove };
}
