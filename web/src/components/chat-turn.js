// One turn of a conversation: the person's message, then Claude's answer as it happened (text, tool calls,
// permission questions, notices), and how it ended (usage, "stopped", or the error in place).
import { useEffect, useState } from 'preact/hooks';
import { describeUsage } from '../chat/format.js';
import { ChatIcon } from '../chat/icons.js';
import { Markdown } from '../chat/markdown.js';
import { isAsking } from '../chat/turns.js';
import { html } from '../html.js';
import { PermissionRequest, QuestionCard } from './chat-questions.js';
import { MessageActions } from './message-actions.js';

const PENDING = {
  waiting: 'Waiting for the connection…',
  sending: 'Sending…',
  accepted: 'Claude is thinking…',
  queued: 'Waits for the answer above.',
  running: 'Claude is thinking…',
};
// A denied tool call (its permission was not given) is no failure: neutral, not red.
const TOOL_STATES = { running: 'Running', done: 'Done', error: 'Failed', denied: 'Denied' };
const TOOL_ICONS = { done: 'check', error: 'alert', denied: 'lock' };
// A turn accepted but not started for this long is waiting for a runner: after a quiet time the service starts
// one (about a minute in the cloud), so the wait is named and counted instead of silent.
const STARTING_AFTER_MS = 3000;

/** "Claude is thinking…", until the wait is long enough to say that a workspace is starting, with the seconds. */
function AcceptedNote() {
  const [since] = useState(() => Date.now());
  const [now, setNow] = useState(since);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const waited = now - since;
  if (waited < STARTING_AFTER_MS) return PENDING.accepted;
  // The seconds are for the eye: a screen reader hears the sentence once, not a count.
  return html`Starting a workspace for Claude…<span class="msg-elapsed" aria-hidden="true"> ${Math.round(waited / 1000)} s</span>`;
}

function UserMessage({ turn }) {
  const badge = { waiting: 'Waiting', sending: 'Sending', queued: 'Queued', unsent: 'Not sent' }[turn.phase];
  return html`
    <div class="msg-user">
      <div class="msg-user-bubble" data-phase=${turn.phase}>
        <p class="msg-user-text">${turn.request}</p>
        ${badge && html`<span class="msg-badge">${badge}</span>`}
      </div>
    </div>
  `;
}

function ToolCall({ part }) {
  const icon = part.state === 'running' ? html`<span class="spinner" aria-hidden="true"></span>`
    : html`<${ChatIcon} name=${TOOL_ICONS[part.state] ?? 'check'} size=${16} />`;
  return html`
    <details class="tool" data-state=${part.state}>
      <summary>
        <span class="tool-icon">${icon}</span>
        <span class="tool-summary">${part.summary}</span>
        <span class="tool-state">${TOOL_STATES[part.state]}</span>
      </summary>
      <div class="tool-body">
        ${part.result ? html`<pre class="tool-result">${part.result}</pre>`
          : html`<p class="muted">${part.state === 'running' ? 'No result yet.' : 'No output.'}</p>`}
      </div>
    </details>
  `;
}

function Part({ part, streaming, onAnswer }) {
  switch (part.kind) {
    case 'text':
      return html`<${Markdown} text=${part.text} class=${`markdown${streaming ? ' streaming' : ''}`} />`;
    case 'tool':
      return html`<${ToolCall} part=${part} />`;
    case 'permission':
      return html`<${PermissionRequest} part=${part} onAnswer=${onAnswer} />`;
    case 'question':
      return html`<${QuestionCard} part=${part} onAnswer=${onAnswer} />`;
    default:
      return html`<p class="msg-notice"><${ChatIcon} name="info" size=${16} /> ${part.message}</p>`;
  }
}

function Ending({ turn, onRetry, onDiscard }) {
  if (turn.phase === 'completed') {
    const usage = describeUsage(turn);
    return usage && html`<p class="msg-usage" title=${usage.detail}>${usage.short}</p>`;
  }
  if (turn.phase === 'aborted') return html`<p class="msg-stopped">Stopped.</p>`;
  if (turn.phase === 'failed') {
    return html`
      <div class="msg-error" role="alert">
        <${ChatIcon} name="alert" size=${16} />
        <p>${turn.error?.message || 'This turn failed.'}${turn.error?.code && html` <span class="msg-error-code">${turn.error.code}</span>`}</p>
      </div>`;
  }
  if (turn.phase === 'unsent') {
    return html`
      <div class="msg-error" role="alert">
        <${ChatIcon} name="alert" size=${16} />
        <p>Not sent: ${turn.error?.message || 'the message did not reach Sasha Studio.'}</p>
        <div class="msg-error-actions">
          <button type="button" class="button button-small button-secondary" onClick=${() => onRetry(turn.key)}>Send again</button>
          <button type="button" class="button button-small button-ghost-danger" onClick=${() => onDiscard(turn.key)}>Remove</button>
        </div>
      </div>`;
  }
  const stopping = turn.stopping && turn.phase === 'running';
  if (turn.phase === 'running' && turn.parts.at(-1)?.kind === 'text' && !stopping) return null; // the caret says it
  const asking = isAsking(turn);
  let text = turn.phase === 'accepted' ? html`<${AcceptedNote} />` : PENDING[turn.phase];
  if (stopping) text = 'Stopping…';
  else if (asking) text = 'Waiting for your answer…';
  else if (turn.phase === 'running' && turn.parts.length) text = 'Working…';
  return html`<p class="msg-pending" role="status"><span class="dots" aria-hidden="true"><i></i><i></i><i></i></span> ${text}</p>`;
}

/**
 * What the turn shows: not the AskUserQuestion tool call (its question card says it), nor, in a failed turn, text
 * that only repeats the error (the CLI writes API errors as text too).
 */
function visibleParts(turn) {
  const error = turn.phase === 'failed' ? turn.error?.message : null;
  return turn.parts.filter((part) => {
    if (part.kind === 'tool') return part.name !== 'AskUserQuestion';
    return !(error && part.kind === 'text' && error.includes(part.text.trim()));
  });
}

export function ChatTurn({ turn, onAnswer, onRetry, onDiscard }) {
  const running = turn.phase === 'running';
  const parts = visibleParts(turn);
  const lastText = parts.at(-1)?.kind === 'text';
  const answer = (requestId, choice) => onAnswer(turn.turn, requestId, choice);
  return html`
    <article class="turn" data-turn=${turn.turn ?? ''} data-phase=${turn.phase} aria-label=${turn.turn ? `Turn ${turn.turn}` : 'New message'}>
      <${UserMessage} turn=${turn} />
      <${MessageActions} turn=${turn} of="request" />
      ${turn.phase !== 'unsent' && html`
        <div class="msg-assistant">
          ${parts.map((part, index) => html`<${Part} key=${index} part=${part} onAnswer=${answer}
            streaming=${running && lastText && index === parts.length - 1} />`)}
          <${Ending} turn=${turn} />
        </div>`}
      ${turn.phase === 'unsent' && html`<${Ending} turn=${turn} onRetry=${onRetry} onDiscard=${onDiscard} />`}
    </article>
  `;
}
