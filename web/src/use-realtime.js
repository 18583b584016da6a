// Preact hooks over realtime.js, so screens can follow the connection and listen to events.
import { useEffect, useRef, useState } from 'preact/hooks';
import { realtime } from './realtime.js';

/** The current connection state; re-renders on every change. */
export function useConnection() {
  const [state, setState] = useState(realtime.state);
  useEffect(() => {
    setState(realtime.state); // it may have changed between render and subscribe
    return realtime.onState(setState);
  }, []);
  return state;
}

/** Calls `handler(event)` for server events of `type` while the component is mounted. */
export function useRealtimeEvent(type, handler) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => realtime.on(type, (event) => latest.current(event)), [type]);
}
