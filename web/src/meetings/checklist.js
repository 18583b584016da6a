// Which of a meeting's action items this person ticked, remembered on this browser (the API keeps no such state).
import { useState } from 'preact/hooks';

const key = (meetingId) => `sasha.meetings.done.${meetingId}`;

function read(meetingId) {
  try {
    const saved = JSON.parse(window.localStorage.getItem(key(meetingId)) || '[]');
    return new Set(Array.isArray(saved) ? saved : []);
  } catch {
    return new Set(); // blocked storage or a damaged entry: start unticked
  }
}

/** `[done (a Set of item keys), toggle(itemKey)]`. */
export function useChecklist(meetingId) {
  const [done, setDone] = useState(() => read(meetingId));
  const toggle = (itemKey) => {
    const next = new Set(done);
    if (next.has(itemKey)) next.delete(itemKey);
    else next.add(itemKey);
    setDone(next);
    try {
      window.localStorage.setItem(key(meetingId), JSON.stringify([...next]));
    } catch {
      // Quota or privacy settings: ticking still works for this visit.
    }
  };
  return [done, toggle];
}
