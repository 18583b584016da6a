// Actions on a turn's messages: Copy (the person's message, or Claude's answer as its Markdown source), Retry (the
// last answer: the same message sent again as a new turn) and Edit (the person's last message back in the
// composer, to change and send as a new turn). Shown on hover or focus where there is a mouse, always on touch
// screens; disabled while a turn runs. What the transcript knows (the last turn, whether one runs, what Retry and
// Edit do) comes through MessageActionsContext, so a turn renders its actions with the turn alone.
import { createContext } from 'preact';
import { useContext, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ChatIcon } from '../chat/icons.js';
import { isEnded } from '../chat/turns.js';
import { html } from '../html.js';

/** `{ lastKey, busy, onResend(text), onEdit(text) }`, provided by the transcript. */
export const MessageActionsContext = createContext(null);

const SAID_FOR_MS = 2000;

/**
 * Copies `text`: through the clipboard when the browser allows it; otherwise the text is shown selected, for
 * Ctrl+C. Returns 'copied' or 'selected'.
 */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return 'copied';
  } catch {
    return 'selected';
  }
}

/** The Markdown source of Claude's answer in a turn: its text parts in order. */
export function answerText(turn) {
  return turn.parts.filter((part) => part.kind === 'text').map((part) => part.text.trim()).filter(Boolean).join('\n\n');
}

/** The text a copy could not put on the clipboard, selected in a read-only box until it is closed. */
function SelectedText({ text, label, onClose }) {
  const box = useRef(null);
  const id = useId();
  useEffect(() => {
    box.current?.focus();
    box.current?.select();
  }, []);
  return html`
    <div class="msg-copy-fallback">
      <label class="hint hint-strong" for=${id}>Press Ctrl+C (⌘C on a Mac) to copy ${label}.</label>
      <textarea id=${id} ref=${box} class="input input-mono" readonly rows="4" value=${text}
        onKeyDown=${(event) => event.key === 'Escape' && onClose()}></textarea>
      <button type="button" class="button button-small button-secondary" onClick=${onClose}>Close</button>
    </div>`;
}

const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function CopyButton({ text, label }) {
  const [said, setSaid] = useState(null); // null | 'copied' | 'selected'
  useEffect(() => {
    if (said !== 'copied') return undefined;
    const timer = setTimeout(() => setSaid(null), SAID_FOR_MS);
    return () => clearTimeout(timer);
  }, [said]);
  const copy = async () => setSaid(await copyText(text));
  return html`
    <button type="button" class="msg-action" aria-label=${`Copy ${label}`} title=${`Copy ${label}`} onClick=${copy}
      data-copied=${said === 'copied' ? 'true' : 'false'}>
      <${ChatIcon} name=${said === 'copied' ? 'check' : 'copy'} size=${15} />
      <span class="msg-action-text" aria-hidden="true">${said === 'copied' ? 'Copied' : 'Copy'}</span>
    </button>
    <span class="sr-only" role="status">${said === 'copied' ? `${capitalised(label)} copied to the clipboard.` : ''}</span>
    ${said === 'selected' && html`<${SelectedText} text=${text} label=${label} onClose=${() => setSaid(null)} />`}`;
}

/** The actions under the person's message (`of="request"`) or under Claude's answer (`of="answer"`). */
export function MessageActions({ turn, of = 'request' }) {
  const shared = useContext(MessageActionsContext);
  if (!shared || !turn.turn || turn.phase === 'unsent') return null;
  const last = turn.key === shared.lastKey;
  const idle = !shared.busy;
  const reason = shared.busy ? ' (wait until Claude has finished)' : '';
  if (of === 'request') {
    return html`
      <div class="msg-actions msg-actions-request" role="group" aria-label="Your message">
        <${CopyButton} text=${turn.request} label="your message" />
        ${last && html`
          <button type="button" class="msg-action" disabled=${!idle || !isEnded(turn)}
            aria-label=${`Edit your message and send it again${reason}`} title="Edit and send again"
            onClick=${() => shared.onEdit(turn.request)}>
            <${ChatIcon} name="edit" size=${15} /><span class="msg-action-text" aria-hidden="true">Edit</span>
          </button>`}
      </div>`;
  }
  const answer = answerText(turn);
  if (!isEnded(turn) || (!answer && !last)) return null;
  return html`
    <div class="msg-actions msg-actions-answer" role="group" aria-label="Claude’s answer">
      ${answer && html`<${CopyButton} text=${answer} label="Claude’s answer" />`}
      ${last && html`
        <button type="button" class="msg-action" disabled=${!idle}
          aria-label=${`Retry: send your message again for a new answer${reason}`} title="Send the same message again"
          onClick=${() => shared.onResend(turn.request)}>
          <${ChatIcon} name="retry" size=${15} /><span class="msg-action-text" aria-hidden="true">Retry</span>
        </button>`}
    </div>`;
}
