// Client-side routing with the History API: the gateway answers every extension-less path with index.html.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';

const listeners = new Set();
let guard = null; // (to, proceed) => true to go now; false when it will call proceed() itself (or never)

function notify() {
  for (const listener of listeners) listener(window.location.pathname);
}

window.addEventListener('popstate', notify);

/**
 * While set, in-app navigation asks `check(to, proceed)` first (a screen with unsaved work asks the person); returns
 * the function that removes it. The Back button and reloads are the browser's: `beforeunload` covers reloads.
 */
export function guardNavigation(check) {
  guard = check;
  return () => {
    if (guard === check) guard = null;
  };
}

/** Goes to `to` (a same-origin path) without reloading the page. */
export function navigate(to, { replace = false } = {}) {
  if (guard && !guard(to, () => go(to, replace))) return;
  go(to, replace);
}

function go(to, replace) {
  const current = window.location.pathname + window.location.search + window.location.hash;
  if (to !== current) window.history[replace ? 'replaceState' : 'pushState'](null, '', to);
  notify();
}

/** The current path; re-renders when it changes. */
export function usePath() {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    listeners.add(setPath);
    return () => listeners.delete(setPath);
  }, []);
  return path;
}

function isPlainClick(event) {
  return event.button === 0 && !event.defaultPrevented && !(event.metaKey || event.ctrlKey || event.shiftKey || event.altKey);
}

/** An ordinary link (so keyboard, middle-click and "open in new tab" work) that routes in place. */
export function Link({ href, children, onClick: onClickToo, ...props }) {
  const onClick = (event) => {
    onClickToo?.(event);
    if (!isPlainClick(event)) return;
    event.preventDefault();
    navigate(href);
    window.scrollTo(0, 0);
  };
  return html`<a href=${href} onClick=${onClick} ...${props}>${children}</a>`;
}
