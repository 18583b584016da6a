// The conversation's scrolling log: it follows the answer while you are at the bottom, stays put while you read
// further up, and loads earlier turns page by page when you scroll to the top (keeping your place). Each turn has
// its message actions (components/message-actions.js): Copy, and on the last turn Edit and Retry.
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { ChatTurn } from './chat-turn.js';
import { MessageActions, MessageActionsContext } from './message-actions.js';

const NEAR_BOTTOM_PX = 80;

function useScrollKeeping(scroller, turns, sessionKey) {
  const stick = useRef(true);
  const previous = useRef({ firstKey: null, height: 0, sessionKey: null });
  const onScroll = () => {
    const el = scroller.current;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  };
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const firstKey = turns[0]?.key ?? null;
    const before = previous.current;
    if (before.sessionKey !== sessionKey) {
      stick.current = true; // another conversation: start at its end
    } else if (before.firstKey && firstKey !== before.firstKey && turns.some((t) => t.key === before.firstKey)) {
      el.scrollTop += el.scrollHeight - before.height; // older turns came in above: keep what was on screen
    }
    if (stick.current) el.scrollTop = el.scrollHeight;
    previous.current = { firstKey, height: el.scrollHeight, sessionKey };
  });
  return onScroll;
}

/** Asks for the older page when the top of the log comes into view. */
function useLoadOlder(scroller, sentinel, canLoad, loadOlder) {
  useEffect(() => {
    if (!canLoad || !sentinel.current) return undefined;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadOlder(), {
      root: scroller.current,
      rootMargin: '200px 0px 0px 0px',
    });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [canLoad, loadOlder]);
}

function Older({ state, loadOlder, sentinel }) {
  if (state.older === 'error') {
    return html`
      <div class="older older-error" role="alert">
        <p>Could not load earlier messages: ${state.olderError}</p>
        <button type="button" class="button button-small button-secondary" onClick=${loadOlder}>Try again</button>
      </div>`;
  }
  return html`
    <div class="older" ref=${sentinel}>
      ${state.older === 'loading'
        ? html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading earlier messages…</p>`
        : html`<button type="button" class="link-button" onClick=${loadOlder}>Load earlier messages</button>`}
    </div>`;
}

export function ChatTranscript({ state, busy, children, onAnswer, onRetry, onDiscard, loadOlder, onResend, onEdit }) {
  const scroller = useRef(null);
  const sentinel = useRef(null);
  const onScroll = useScrollKeeping(scroller, state.turns, state.sessionId ?? `new:${state.projectId}`);
  const canLoad = Boolean(state.nextBefore) && state.older === 'idle' && !state.loading;
  useLoadOlder(scroller, sentinel, canLoad, loadOlder);
  const lastKey = state.turns.filter((t) => t.phase !== 'unsent').at(-1)?.key ?? null;
  const actions = useMemo(() => ({ lastKey, busy, onResend, onEdit }), [lastKey, busy, onResend, onEdit]);
  return html`
    <div class="chat-log" ref=${scroller} onScroll=${onScroll} role="log" aria-label="Conversation" tabindex="0"
      aria-busy=${busy ? 'true' : 'false'}>
      <div class="chat-log-inner">
        ${state.nextBefore && html`<${Older} state=${state} loadOlder=${loadOlder} sentinel=${sentinel} />`}
        ${children}
        <${MessageActionsContext.Provider} value=${actions}>
          ${state.turns.map((turn) => html`
            <div class="turn-block" key=${turn.key}>
              <${ChatTurn} turn=${turn} onAnswer=${onAnswer} onRetry=${onRetry} onDiscard=${onDiscard} />
              <${MessageActions} turn=${turn} of="answer" />
            </div>`)}
        <//>
      </div>
    </div>
  `;
}
