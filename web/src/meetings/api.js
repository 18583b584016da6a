// The meetings routes (docs/meetings.md, docs/web-meetings.md), through the app's one REST client. Answers are read
// defensively: a meeting's id as `meetingId` or `id`, pages by `nextBefore` / `nextAfter` or `nextCursor`, and a
// list as `{meetings}` or a bare array.
import { api } from '../api.js';

const BASE = '/api/meetings';
const query = (params) => new URLSearchParams(params).toString();
const one = (meetingId) => `${BASE}/${encodeURIComponent(meetingId)}`;
const MAX_TRANSCRIPT_PAGES = 100; // a bound, in case a server keeps answering a cursor

/** A meeting with its id as `meetingId`, whichever name the server gives it. */
export function asMeeting(meeting) {
  if (!meeting || typeof meeting !== 'object') return meeting;
  return { ...meeting, meetingId: meeting.meetingId ?? meeting.id };
}

/** The query for the page after `answer` (`{before}` from `nextBefore`, `{after}`, or `{cursor}`), or null at the end. */
function nextPage(answer, name) {
  const given = answer?.[`next${name[0].toUpperCase()}${name.slice(1)}`];
  if (given != null) return { [name]: given };
  return answer?.nextCursor != null ? { cursor: answer.nextCursor } : null;
}

/** `{ meetings, next }` whether the server answers a page or a bare list; `next` is the next page's query. */
export function meetingPage(answer) {
  if (Array.isArray(answer)) return { meetings: answer.map(asMeeting), next: null };
  return { meetings: (Array.isArray(answer?.meetings) ? answer.meetings : []).map(asMeeting), next: nextPage(answer, 'before') };
}

/** What a `meeting.status` event says of its meeting: the whole meeting, or `{meetingId, status, error, …}`. */
export function meetingFromEvent(event) {
  if (event?.meeting) return asMeeting(event.meeting);
  const patch = { meetingId: event?.meetingId };
  for (const key of ['status', 'error', 'failedSegments', 'stoppedAt', 'analysis']) if (key in (event || {})) patch[key] = event[key];
  return patch;
}

export const meetingsApi = {
  list: (next) => api.get(next ? `${BASE}?${query(next)}` : BASE).then(meetingPage),
  get: (meetingId) => api.get(one(meetingId)).then(asMeeting),
  rename: (meetingId, title) => api.patch(one(meetingId), { title }).then(asMeeting),
  remove: (meetingId) => api.delete(one(meetingId)),

  start: ({ title, projectId }) =>
    api.post(`${BASE}/start`, { ...(title ? { title } : {}), ...(projectId ? { projectId } : {}) }).then(asMeeting),
  stop: (meetingId) => api.post(`${BASE}/stop`, { meetingId }).then(asMeeting),
  analyze: (meetingId) => api.post(`${BASE}/analyze`, { meetingId }).then(asMeeting),
  retry: (meetingId) => api.post(`${BASE}/retry`, { meetingId }).then(asMeeting),
  adviseNow: (meetingId, question) => api.post(`${BASE}/advise-now`, { meetingId, ...(question ? { question } : {}) }),

  /** One ~5 s WAV segment; answers `{ lines }`. */
  postAudio: ({ meetingId, seq, startMs, blob }) =>
    api.post(`${BASE}/segments?${query({ meetingId, seq, startMs })}`, blob),
  /** A typed note, as a segment of its own; answers `{ lines }`. */
  postText: ({ meetingId, seq, startMs, endMs, text }) => api.post(`${BASE}/segments`, { meetingId, seq, startMs, endMs, text }),

  /** Every line of the transcript, page after page. */
  async transcript(meetingId) {
    const lines = [];
    let page = {};
    for (let count = 0; page && count < MAX_TRANSCRIPT_PAGES; count += 1) {
      const answer = await api.get(`${BASE}/transcript?${query({ meetingId, ...page })}`);
      lines.push(...(Array.isArray(answer) ? answer : answer?.lines || []));
      page = Array.isArray(answer) ? null : nextPage(answer, 'after');
    }
    return lines;
  },
};
