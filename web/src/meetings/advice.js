// "Advise now" answers, from three sources: the 202 of the request (its id), `meeting.advice` events (a `delta` to
// append or the whole `text`, and the status: pending, streaming, done, failed) and the meeting's `advice` list from
// the server. The server's entry wins once it has ended; while it runs, whichever text is further along stays.

const RUNNING = new Set(['pending', 'streaming', 'running']);
const ENDED = new Set(['done', 'failed']);

export const isRunning = (advice) => RUNNING.has(advice?.status);
export const hasEnded = (advice) => ENDED.has(advice?.status);

function blank(adviceId) {
  return { adviceId, askedAt: new Date().toISOString(), status: 'pending', text: '', error: null, question: null };
}

/** The list with a new request of ours at its end. */
export function addAdvice(list, adviceId, question) {
  if (list.some((a) => a.adviceId === adviceId)) return list.map((a) => (a.adviceId === adviceId ? { ...a, question } : a));
  return [...list, { ...blank(adviceId), question }];
}

/** The list after a `meeting.advice` event. */
export function applyAdviceEvent(list, event) {
  const held = list.find((a) => a.adviceId === event.adviceId) || blank(event.adviceId);
  let text = held.text || '';
  if (typeof event.text === 'string') text = event.text;
  else if (typeof event.delta === 'string') text += event.delta;
  const next = { ...held, text, status: event.status || held.status, error: event.error ?? held.error };
  return list.includes(held) ? list.map((a) => (a === held ? next : a)) : [...list, next];
}

/** The server's list merged with ours: its order, our questions, and our requests it does not list yet. */
export function mergeAdvice(list, server) {
  if (!Array.isArray(server)) return list;
  const ours = new Map(list.map((a) => [a.adviceId, a]));
  const merged = server.map((theirs) => {
    const mine = ours.get(theirs.adviceId);
    if (!mine) return { question: null, ...theirs };
    const text = !isRunning(theirs) || (theirs.text || '').length >= (mine.text || '').length ? theirs.text : mine.text;
    return { ...mine, ...theirs, text: text || '', question: theirs.question ?? mine.question };
  });
  const listed = new Set(server.map((a) => a.adviceId));
  return [...merged, ...list.filter((a) => !listed.has(a.adviceId))];
}
