// Signing in to an OAuth drive in a popup (docs/web-drives.md):
//
//   Connect ──► window.open (at once, inside the click, so it is not blocked) ──► GET /api/auth/{provider}/start
//     ├─ the window was blocked ──► "blocked": a link opens it (a click of its own), then as below
//     └─ the window goes to authorizeUrl ──► "waiting" ──► the provider sends it to the API's callback, whose page
//        posts {type: "drive.connected" | "drive.failed", connectionId, status, reason} to this origin and closes
//          ├─ the message (from this origin, about a connection we know) ──► onAnswer ──► idle
//          └─ the window closed without one ──► onClosed (the list is read again: it may say why) ──► idle
//
// A provider page can cut the window off from its opener (Cross-Origin-Opener-Policy): then no message comes back
// and the window looks closed early. The same message is therefore also taken from a BroadcastChannel (a callback
// page of this origin can post there too), and the connections list reads itself again when this window has focus.
import { useEffect, useRef, useState } from 'preact/hooks';
import { drivesApi } from './api.js';

export const POPUP_NAME = 'sasha-drive-sign-in';
export const CHANNEL_NAME = 'sasha.drives';
const WIDTH = 520;
const HEIGHT = 640;
const CLOSED_CHECK_MS = 500;
const SAME_ANSWER_MS = 3000; // the window's message and the channel's may both arrive: one is enough

/** The popup's size and place: centred over this window. */
export function popupFeatures(win = window) {
  const left = Math.max(0, Math.round((win.screenX || 0) + ((win.outerWidth || WIDTH) - WIDTH) / 2));
  const top = Math.max(0, Math.round((win.screenY || 0) + ((win.outerHeight || HEIGHT) - HEIGHT) / 2));
  return `popup=yes,width=${WIDTH},height=${HEIGHT},left=${left},top=${top}`;
}

/** The callback page's answer in a message event: `{ connectionId, connected, status, reason }`, or null. */
export function readAnswer(event, origin = window.location.origin) {
  if (event.origin !== origin) return null;
  const data = event.data;
  if (!data || typeof data !== 'object' || typeof data.connectionId !== 'string') return null;
  if (data.type !== 'drive.connected' && data.type !== 'drive.failed') return null;
  const text = (value) => (typeof value === 'string' && value ? value : null);
  return { connectionId: data.connectionId, connected: data.type === 'drive.connected', status: text(data.status), reason: text(data.reason) };
}

/** Opens the (empty) sign-in window; call it inside the click or submit that asks for it. Null when blocked. */
export function openSignInWindow() {
  return window.open('', POPUP_NAME, popupFeatures());
}

function closeQuietly(popup) {
  try {
    if (popup && !popup.closed) popup.close();
  } catch {
    // A window of another origin may refuse: it closes itself anyway.
  }
}

/**
 * `{ signIn, connect(connection, popup?), openBlocked(event), cancel() }`. `signIn` is null or
 * `{ connection, phase: 'starting' | 'waiting' | 'blocked', authorizeUrl }`. `on.answer(answer)` hears every answer
 * (the caller checks it knows the connection); `on.closed(connection)` hears a window closed without one.
 */
export function useDriveSignIn(on) {
  const [signIn, setSignIn] = useState(null);
  const current = useRef(null); // { connection, popup, timer, authorizeUrl }: the one sign-in at a time
  const handlers = useRef(on);
  handlers.current = on;

  const stop = (mine) => {
    clearInterval(mine?.timer);
    if (current.current === mine) {
      current.current = null;
      setSignIn(null);
    }
  };
  const watch = (mine) => {
    clearInterval(mine.timer);
    mine.timer = setInterval(() => {
      if (!mine.popup?.closed) return;
      stop(mine);
      handlers.current.closed(mine.connection);
    }, CLOSED_CHECK_MS);
  };

  useEffect(() => {
    let last = null; // { key, at }
    const onMessage = (event) => {
      const answer = readAnswer(event);
      if (!answer) return;
      const key = `${answer.connectionId}:${answer.connected}`;
      if (last?.key === key && Date.now() - last.at < SAME_ANSWER_MS) return;
      last = { key, at: Date.now() };
      const mine = current.current;
      if (mine?.connection.connectionId === answer.connectionId) {
        closeQuietly(mine.popup);
        stop(mine);
      }
      handlers.current.answer(answer);
    };
    window.addEventListener('message', onMessage);
    const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL_NAME) : null;
    channel?.addEventListener('message', onMessage);
    return () => {
      window.removeEventListener('message', onMessage);
      channel?.close();
      clearInterval(current.current?.timer);
    };
  }, []);

  /** Call inside the click (or submit) that asks for it; `popup` is a window already opened in that event. */
  const connect = async (connection, popup = openSignInWindow()) => {
    const before = current.current;
    if (before) {
      closeQuietly(before.popup);
      stop(before);
    }
    const mine = { connection, popup, timer: null, authorizeUrl: null };
    current.current = mine;
    setSignIn({ connection, phase: 'starting', authorizeUrl: null });
    let start;
    try {
      start = await drivesApi.startSignIn(connection.providerId, connection.connectionId);
    } catch (err) {
      closeQuietly(popup);
      stop(mine);
      throw err;
    }
    if (current.current !== mine) return; // cancelled meanwhile
    mine.authorizeUrl = start.authorizeUrl;
    if (!popup) {
      setSignIn({ connection, phase: 'blocked', authorizeUrl: start.authorizeUrl });
      return;
    }
    if (popup.closed) { // closed by the person before it had anywhere to go
      stop(mine);
      handlers.current.closed(connection);
      return;
    }
    popup.location.replace(start.authorizeUrl);
    watch(mine);
    setSignIn({ connection, phase: 'waiting', authorizeUrl: start.authorizeUrl });
  };

  /** The "blocked" link: opens the sign-in window from its own click, so the window keeps this page as opener. */
  const openBlocked = (event) => {
    const mine = current.current;
    if (!mine?.authorizeUrl) return;
    const popup = window.open(mine.authorizeUrl, POPUP_NAME, popupFeatures());
    if (!popup) return; // still blocked: the link opens it as an ordinary tab, and focus brings the answer
    event.preventDefault();
    mine.popup = popup;
    watch(mine);
    setSignIn({ connection: mine.connection, phase: 'waiting', authorizeUrl: mine.authorizeUrl });
  };

  const cancel = () => {
    const mine = current.current;
    closeQuietly(mine?.popup);
    stop(mine);
  };

  return { signIn, connect, openBlocked, cancel };
}
