// Non-blocking notices (errors from the server, mostly): a tiny store the shell renders as toasts.
import { useEffect, useState } from 'preact/hooks';

const AUTO_DISMISS_MS = 10_000;
const MAX_VISIBLE = 4;
const listeners = new Set();
let notices = [];
let nextId = 1;

function publish(next) {
  notices = next;
  for (const listener of listeners) listener(notices);
}

/** Shows `message` (plain text) for a while; returns the notice id. */
export function notify({ message, code = null, tone = 'error', timeoutMs = AUTO_DISMISS_MS }) {
  const id = nextId++;
  publish([...notices, { id, message, code, tone }].slice(-MAX_VISIBLE));
  if (timeoutMs) setTimeout(() => dismiss(id), timeoutMs);
  return id;
}

export function dismiss(id) {
  if (notices.some((notice) => notice.id === id)) publish(notices.filter((notice) => notice.id !== id));
}

export function useNotices() {
  const [current, setCurrent] = useState(notices);
  useEffect(() => {
    setCurrent(notices);
    listeners.add(setCurrent);
    return () => listeners.delete(setCurrent);
  }, []);
  return current;
}
