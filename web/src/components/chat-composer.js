// Where the message is written: Enter sends, Shift+Enter starts a new line; Stop while Claude works; the
// permission mode for a new chat. Disabled, with the reason shown, when there is nowhere to send to. A `draft`
// ({ text, key }: Edit on a message) replaces what is written, ready to change and send.
import { useEffect, useRef, useState } from 'preact/hooks';
import { PERMISSION_MODES, modeLabel } from '../chat/format.js';
import { ChatIcon } from '../chat/icons.js';
import { html } from '../html.js';

const MAX_HEIGHT_PX = 240;

function grow(textarea) {
  textarea.style.height = 'auto';
  textarea.style.height = `${Math.min(MAX_HEIGHT_PX, textarea.scrollHeight)}px`;
}

function ModePicker({ isNew, mode, onMode }) {
  if (!isNew) {
    return html`<span class="badge composer-mode" title=${PERMISSION_MODES.find((m) => m.value === mode)?.hint}>
      ${modeLabel(mode)}</span>`;
  }
  return html`
    <label class="composer-mode-picker">
      <span class="sr-only">Permission mode for this chat</span>
      <select class="select-small" value=${mode} onChange=${(e) => onMode(e.currentTarget.value)}
        title=${PERMISSION_MODES.find((m) => m.value === mode)?.hint}>
        ${PERMISSION_MODES.map((m) => html`<option value=${m.value}>${m.label}</option>`)}
      </select>
    </label>
  `;
}

export function ChatComposer({ reason, isNew, mode, onMode, running, stopping, onSend, onStop, onReady, focusKey, draft }) {
  const [text, setText] = useState('');
  const input = useRef(null);
  useEffect(() => {
    if (!reason && window.matchMedia?.('(pointer: fine)').matches) input.current?.focus();
  }, [focusKey, reason]);
  useEffect(() => {
    const el = input.current;
    if (!draft || !el) return;
    setText(draft.text);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
      grow(el);
    });
  }, [draft?.key]);

  const submit = (event) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message || reason) return;
    onSend(message);
    setText('');
    requestAnimationFrame(() => input.current && grow(input.current));
  };
  const onKeyDown = (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) submit(event);
  };
  const onInput = (event) => {
    onReady?.();
    setText(event.currentTarget.value);
    grow(event.currentTarget);
  };

  return html`
    <form class="composer" onSubmit=${submit} aria-label="Write a message">
      ${reason && html`<p class="composer-reason" id="composer-reason">${reason}</p>`}
      <div class="composer-box" data-disabled=${reason ? 'true' : 'false'}>
        <label for="chat-message" class="sr-only">Message</label>
        <textarea id="chat-message" ref=${input} rows="1" value=${text} onInput=${onInput} onKeyDown=${onKeyDown}
          onFocus=${() => onReady?.()}
          placeholder=${reason ? '' : 'Message Claude…'} disabled=${Boolean(reason)}
          aria-describedby=${reason ? 'composer-reason' : 'composer-hint'}></textarea>
        <div class="composer-bar">
          <${ModePicker} isNew=${isNew} mode=${mode} onMode=${onMode} />
          <span class="composer-hint" id="composer-hint">Enter to send · Shift+Enter for a new line</span>
          ${running && html`
            <button type="button" class="button button-small button-secondary" onClick=${onStop} disabled=${stopping}>
              <${ChatIcon} name="stop" size=${14} /> ${stopping ? 'Stopping…' : 'Stop'}
            </button>`}
          <button type="submit" class="button button-small" disabled=${Boolean(reason) || !text.trim()}>
            <${ChatIcon} name="send" size=${16} /> Send
          </button>
        </div>
      </div>
    </form>
  `;
}
