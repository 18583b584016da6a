// A small piece of page-wide state that screens follow: its current value, `publish(patch)` that merges a change
// and tells every follower, and `use()`, a hook that re-renders its component on each change.
import { useEffect, useState } from 'preact/hooks';

export function createStore(initial) {
  let state = Object.freeze({ ...initial });
  const listeners = new Set();
  return {
    get: () => state,
    publish(patch) {
      state = Object.freeze({ ...state, ...patch });
      for (const listener of listeners) listener(state);
    },
    use() {
      const [current, setCurrent] = useState(state);
      useEffect(() => {
        setCurrent(state);
        listeners.add(setCurrent);
        return () => listeners.delete(setCurrent);
      }, []);
      return current;
    },
  };
}
