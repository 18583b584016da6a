// What a permission card shows below its summary line: the `detail` of a permission.request (see
// docs/websocket-protocol.md): the whole command, a write's path and content, the old and new text of edits, or
// the tool's input. Every value goes in as a text node; a long text shows its first lines, the rest behind a toggle.
import { useId, useState } from 'preact/hooks';
import { Icon } from '../icons.js';
import { html } from '../html.js';

const FOLD_LINES = 6;
const FOLD_CHARS = 600;
const number = new Intl.NumberFormat();
const counted = (n, noun) => `${number.format(n)} ${noun}${n === 1 ? '' : 's'}`;
const lineCount = (text) => text.split('\n').length;

/** The start a folded text shows (FOLD_LINES lines, FOLD_CHARS characters at most); null when it is all of it. */
function foldedStart(text) {
  const start = text.split('\n', FOLD_LINES).join('\n').slice(0, FOLD_CHARS);
  return start.length < text.length ? start : null;
}

/**
 * A monospace block with the start of `text` and, when there is more, "Show the whole <noun> (N lines)" (or, when
 * `text` is itself the start of something longer, "Show the first N lines of the <noun>").
 */
function Folded({ text, noun, cut = false }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const start = foldedStart(text);
  const folded = start !== null && !open;
  const lines = counted(lineCount(text), 'line');
  const label = cut ? `Show the first ${lines} of the ${noun}` : `Show the whole ${noun} (${lines})`;
  return html`
    <div class="permission-block">
      <pre id=${id} class="permission-code" data-folded=${folded ? 'true' : 'false'}>${folded ? start : text}${folded
        && html`<span class="permission-more" aria-hidden="true">…</span>`}</pre>
      ${start !== null && html`
        <button type="button" class="link-button permission-fold" aria-controls=${id}
          aria-expanded=${open ? 'true' : 'false'} onClick=${() => setOpen(!open)}>
          <${Icon} name="chevron" size=${14} /> ${label}
        </button>`}
    </div>
  `;
}

/** Terms and values, e.g. Path → docs/notes.md; the ones without a value are left out. */
function Facts({ items }) {
  const shown = items.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return shown.length > 0 && html`
    <dl class="permission-facts">
      ${shown.map(([term, value, code]) => html`
        <div key=${term}><dt>${term}</dt><dd>${code ? html`<code>${value}</code>` : value}</dd></div>`)}
    </dl>
  `;
}

function seconds(ms) {
  return ms >= 60_000 ? `${number.format(ms / 60_000)} min` : `${number.format(ms / 1000)} s`;
}

/** Says that only the start of a text is shown (htm drops the spaces around line breaks in templates). */
function longer(shown, whole) {
  const of = whole ? ` of ${number.format(whole)}` : '';
  return `Only the first ${counted(shown, 'character')}${of} are shown.`;
}

function Command({ detail }) {
  return html`
    ${detail.description && html`<p class="permission-description">${detail.description}</p>`}
    <${Folded} text=${detail.command} noun="command" cut=${detail.truncated} />
    ${detail.truncated && html`<p class="permission-note">${longer(detail.command.length, detail.length)}</p>`}
    <${Facts} items=${[
      ['Time limit', typeof detail.timeout === 'number' ? seconds(detail.timeout) : null],
      ['Runs', detail.runInBackground ? 'in the background' : null],
    ]} />
  `;
}

function Write({ detail }) {
  const size = `${counted(detail.bytes, 'byte')}, ${counted(detail.lines, 'line')}`;
  return html`
    <${Facts} items=${[['Path', detail.path, true], ['Size', size]]} />
    ${detail.preview ? html`<${Folded} text=${detail.preview} noun="content" cut=${detail.truncated} />`
      : html`<p class="permission-note">The file will be empty.</p>`}
    ${detail.truncated && html`<p class="permission-note">${longer(detail.preview.length)}</p>`}
  `;
}

function Edit({ edit }) {
  return html`
    <li class="permission-edit">
      ${typeof edit.old === 'string' && html`
        <p class="permission-label">${edit.replaceAll ? 'Replace every occurrence of' : 'Replace'}</p>
        <${Folded} text=${edit.old} noun="old text" />
        <p class="permission-label">with</p>`}
      ${typeof edit.old !== 'string' && html`<p class="permission-label">New content</p>`}
      <${Folded} text=${edit.new} noun="new text" />
      ${edit.truncated && html`<p class="permission-note">The edit is longer: only its start is shown.</p>`}
    </li>
  `;
}

function Edits({ detail }) {
  const more = detail.editCount - detail.edits.length;
  return html`
    <${Facts} items=${[['Path', detail.path, true], ['Cell', detail.cellId, true], ['Change', detail.editMode]]} />
    <ol class="permission-edits">${detail.edits.map((edit, index) => html`<${Edit} key=${index} edit=${edit} />`)}</ol>
    ${more > 0 && html`<p class="permission-note">…and ${counted(more, 'more edit')}.</p>`}
  `;
}

function Input({ detail }) {
  return html`
    <${Folded} text=${detail.input} noun="input" cut=${detail.truncated} />
    ${detail.truncated && html`<p class="permission-note">${longer(detail.input.length)}</p>`}
  `;
}

function Lookup({ detail }) {
  return html`<${Facts} items=${[
    ['URL', detail.url, true],
    ['Prompt', detail.prompt],
    ['Search for', detail.query],
    ['Path', detail.path, true],
    ['Pattern', detail.pattern, true],
  ]} />`;
}

function shapeOf(detail) {
  if (typeof detail.command === 'string') return Command;
  if (typeof detail.preview === 'string') return Write;
  if (Array.isArray(detail.edits)) return Edits;
  if (typeof detail.input === 'string') return Input;
  return Lookup;
}

/** The detail of a permission request; nothing for an event without one (older runners). */
export function PermissionDetail({ detail }) {
  if (!detail || typeof detail !== 'object') return null;
  const Shape = shapeOf(detail);
  return html`<div class="permission-detail"><${Shape} detail=${detail} /></div>`;
}
