// What a permission card shows below its summary line: the `detail` of a permission.request (see
// docs/websocket-protocol.md): the whole command, a write's path and its first 200 lines, edits as a diff (removed
// and added lines, signed - and + as well as coloured), or the tool's input. Every value goes in as a text node; a
// long command or content scrolls in its box; other long texts show their first lines, the rest behind a toggle.
import { useId, useState } from 'preact/hooks';
import { Icon } from '../icons.js';
import { html } from '../html.js';

const FOLD_LINES = 6;
const WRITE_LINES = 200; // of a new file's content shown
const DIFF_CELLS = 250_000; // old × new lines compared at most; past it an edit shows all removed, then all added
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

/** A monospace box that scrolls when its text is long; focusable so that the keyboard can scroll it too. */
function Scrolled({ text, label, children }) {
  return html`<pre class="permission-code permission-scroll" tabindex="0" role="region" aria-label=${label}>${text}${children}</pre>`;
}

function Command({ detail }) {
  return html`
    ${detail.description && html`<p class="permission-description">${detail.description}</p>`}
    <${Scrolled} text=${detail.command} label="The whole command" />
    ${detail.truncated && html`<p class="permission-note">${longer(detail.command.length, detail.length)}</p>`}
    <${Facts} items=${[
      ['Time limit', typeof detail.timeout === 'number' ? seconds(detail.timeout) : null],
      ['Runs', detail.runInBackground ? 'in the background' : null],
    ]} />
  `;
}

/** The first WRITE_LINES lines of a preview, and how many lines of them it shows. */
function firstLines(preview) {
  const lines = preview.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const shown = lines.slice(0, WRITE_LINES);
  return { text: shown.join('\n'), count: shown.length };
}

function Write({ detail }) {
  const size = `${counted(detail.bytes, 'byte')}, ${counted(detail.lines, 'line')}`;
  const start = detail.preview ? firstLines(detail.preview) : null;
  const more = start ? detail.lines - start.count : 0;
  return html`
    <${Facts} items=${[['Path', detail.path, true], ['Size', size]]} />
    ${start ? html`<${Scrolled} text=${start.text} label=${`Content of ${detail.path || 'the file'}`} />`
      : html`<p class="permission-note">The file will be empty.</p>`}
    ${more > 0 && html`<p class="permission-note permission-more-lines">… ${counted(more, 'more line')}</p>`}
    ${detail.truncated && more <= 0 && html`<p class="permission-note">${longer(detail.preview.length)}</p>`}
  `;
}

/** Lines of `before` and `after` as a unified diff: [{ sign: ' ' | '-' | '+', text }], by longest common subsequence. */
export function diffLines(before, after) {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length * b.length > DIFF_CELLS) {
    return [...a.map((text) => ({ sign: '-', text })), ...b.map((text) => ({ sign: '+', text }))];
  }
  const width = b.length + 1;
  const common = new Uint32Array((a.length + 1) * width); // common[i][j]: of a[i..] and b[j..]
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      common[i * width + j] = a[i] === b[j] ? common[(i + 1) * width + j + 1] + 1
        : Math.max(common[(i + 1) * width + j], common[i * width + j + 1]);
    }
  }
  const lines = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ sign: ' ', text: a[i] });
      i += 1;
      j += 1;
    } else if (j < b.length && (i === a.length || common[i * width + j + 1] >= common[(i + 1) * width + j])) {
      lines.push({ sign: '+', text: b[j] });
      j += 1;
    } else {
      lines.push({ sign: '-', text: a[i] });
      i += 1;
    }
  }
  // Removed lines before the added ones of the same change, as unified diffs show them.
  for (let k = 1; k < lines.length; k += 1) {
    for (let m = k; m > 0 && lines[m].sign === '-' && lines[m - 1].sign === '+'; m -= 1) {
      [lines[m - 1], lines[m]] = [lines[m], lines[m - 1]];
    }
  }
  return lines;
}

const SAID = { '-': 'Removed: ', '+': 'Added: ', ' ': '' };
const SIGN = { '-': '-', '+': '+', ' ': ' ' };

function Diff({ before, after, label }) {
  const lines = diffLines(before, after);
  return html`
    <pre class="permission-code permission-scroll permission-diff" tabindex="0" role="region" aria-label=${label}>${
      lines.map((line, index) => html`<span key=${index} class="diff-line" data-sign=${line.sign}><span class="diff-sign"
        aria-hidden="true">${SIGN[line.sign]}</span><span class="sr-only">${SAID[line.sign]}</span>${line.text}${'\n'}</span>`)}</pre>
  `;
}

function Edit({ edit, label }) {
  const old = typeof edit.old === 'string' ? edit.old : '';
  return html`
    <li class="permission-edit">
      ${edit.replaceAll && html`<p class="permission-label">Every occurrence is changed:</p>`}
      <${Diff} before=${old} after=${edit.new ?? ''} label=${label} />
      ${edit.truncated && html`<p class="permission-note">The edit is longer: only its start is shown.</p>`}
    </li>
  `;
}

function Edits({ detail }) {
  const more = detail.editCount - detail.edits.length;
  const of = detail.path || 'the file';
  const label = (index) => (detail.edits.length > 1 ? `Change ${index + 1} to ${of}` : `Changes to ${of}`);
  return html`
    <${Facts} items=${[['Path', detail.path, true], ['Cell', detail.cellId, true], ['Change', detail.editMode]]} />
    <p class="permission-label permission-legend"><span class="diff-key" data-sign="-">- removed</span> <span
      class="diff-key" data-sign="+">+ added</span></p>
    <ol class="permission-edits">${detail.edits.map((edit, index) => html`<${Edit} key=${index} edit=${edit}
      label=${label(index)} />`)}</ol>
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
