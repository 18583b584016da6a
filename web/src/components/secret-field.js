// A secret shown once: read-only text with a Copy button. Without clipboard access the text is selected instead,
// so Ctrl+C (⌘C) copies it.
import { useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from '../icons.js';

export function SecretField({ id, label, value, hint }) {
  const input = useRef(null);
  const [copied, setCopied] = useState(null); // null | 'copied' | 'selected'

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('copied');
    } catch {
      input.current.focus();
      input.current.select();
      setCopied('selected');
    }
  };
  const hintId = `${id}-hint`;
  const said = {
    copied: `${label} copied to the clipboard.`,
    selected: `${label} selected: press Ctrl+C (⌘C on a Mac) to copy it.`,
  }[copied];
  return html`
    <div class="field secret">
      <label for=${id}>${label}</label>
      <div class="secret-row">
        <input id=${id} ref=${input} class="input input-mono" value=${value} readonly spellcheck="false"
          aria-describedby=${hintId} onFocus=${(event) => event.currentTarget.select()} />
        <button type="button" class="button button-secondary" onClick=${copy}>
          <${Icon} name=${copied === 'copied' ? 'check' : 'copy'} size=${16} />
          ${copied === 'copied' ? 'Copied' : 'Copy'}<span class="sr-only"> ${label}</span>
        </button>
      </div>
      <p class="hint" id=${hintId}>${hint}</p>
      <p class="sr-only" role="status">${said || ''}</p>
      ${copied === 'selected' && html`<p class="hint hint-strong" aria-hidden="true">${said}</p>`}
    </div>
  `;
}
