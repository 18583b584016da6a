// Claude's answers as Markdown: parsed by marked, then ALWAYS cleaned by DOMPurify before it becomes HTML.
//
// Two layers, because the text comes from a model that may repeat whatever a document told it to:
// - marked renders raw HTML in the Markdown as visible text (escaped), and images as plain links, so nothing
//   loads from a URL the model chose (an image URL can carry data out) and markup about HTML stays readable;
// - DOMPurify then keeps only the tags and attributes a formatted answer needs, drops unsafe URLs, and makes
//   every link open in a new tab without access to this page.
// Code blocks show their language and a Copy button (markdown-base.js); those with a known language are
// highlighted by highlight.js (files/highlight.js, its output sanitised too) once they are complete: while an answer
// streams, its last block may still grow, so it is highlighted when its fence closes or the turn ends. Highlighted
// blocks are remembered, so the re-rendering of a streaming answer does not highlight them again.
import { Marked } from 'marked';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { highlightCode } from '../files/highlight.js';
import { html } from '../html.js';
import {
  BASE_ATTR, BASE_TAGS, CODE_ATTR, CODE_TAGS, baseRenderer, codeBlockHtml, codeLanguage, fenceClosed, linkSafePurifier,
} from '../markdown-base.js';
import { escapeHtml, safeUrl } from '../sanitize.js';

// div, span and button come only from the code block renderer: marked shows raw HTML in the Markdown as text.
const ALLOWED_TAGS = [...BASE_TAGS, ...CODE_TAGS];
const ALLOWED_ATTR = [...BASE_ATTR, ...CODE_ATTR];
const purifier = linkSafePurifier();
const HIGHLIGHTS_KEPT = 200;
const highlights = new Map(); // language + code → highlighted HTML, or null when it stays plain
const COPIED_FOR_MS = 2000;

// The parse in progress (marked is synchronous): whether its text still streams, and the blocks to highlight.
let parsing = { streaming: false, pending: [] };

function codeBlock(token) {
  const language = codeLanguage(token.lang);
  const key = `${language}\u0000${token.text}`;
  const highlighted = highlights.get(key);
  const complete = !parsing.streaming || token.codeBlockStyle === 'indented' || fenceClosed(token.raw);
  if (highlighted === undefined && language && complete) parsing.pending.push({ key, language, code: token.text });
  return codeBlockHtml(token.text, language, highlighted ?? null);
}

function remember(key, highlighted) {
  highlights.set(key, highlighted);
  if (highlights.size > HIGHLIGHTS_KEPT) highlights.delete(highlights.keys().next().value);
}

const markdown = new Marked({
  gfm: true,
  renderer: {
    ...baseRenderer,
    code: codeBlock,
    // Images as plain links: nothing loads from a URL the model chose (an image URL can carry data out).
    image: ({ href, title, text }) => {
      const label = escapeHtml(text || href);
      const url = safeUrl(href);
      if (!url) return label;
      return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${label}</a>`;
    },
  },
});

/**
 * `{ html, pending }`: sanitised HTML for a Markdown string (safe for innerHTML: DOMPurify has the last word), and
 * the complete code blocks not highlighted yet.
 */
function render(text, streaming) {
  parsing = { streaming, pending: [] };
  try {
    const raw = markdown.parse(String(text ?? ''), { async: false });
    return { html: purifier.sanitize(raw, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false }), pending: parsing.pending };
  } finally {
    parsing = { streaming: false, pending: [] };
  }
}

/** Sanitised HTML for a Markdown string, with the code blocks highlighted so far. */
export function renderMarkdown(text) {
  return render(text, false).html;
}

/** A code block's Copy: the code on the clipboard, or selected for Ctrl+C when the clipboard is not available. */
async function copyCode(button) {
  const code = button.closest('.code-block')?.querySelector('pre code');
  if (!code) return;
  let said = 'Copied';
  try {
    await navigator.clipboard.writeText(code.textContent);
  } catch {
    window.getSelection()?.selectAllChildren(code);
    said = 'Press Ctrl+C';
  }
  button.textContent = said;
  setTimeout(() => { button.textContent = 'Copy'; }, COPIED_FOR_MS);
}

/**
 * Rendered Markdown; re-parsed only when the text changes (while streaming, a few times a second). A `class` with
 * `streaming` says the text is still growing: its last code block is highlighted once complete.
 */
export function Markdown({ text, class: className = 'markdown' }) {
  const streaming = className.split(/\s+/).includes('streaming');
  const [highlighted, setHighlighted] = useState(0);
  const rendered = useMemo(() => render(text, streaming), [text, streaming, highlighted]);
  useEffect(() => {
    if (!rendered.pending.length) return undefined;
    let current = true;
    const each = rendered.pending.map(({ key, language, code }) =>
      highlightCode(code, language).then((result) => remember(key, result), () => remember(key, null)));
    Promise.all(each).then(() => current && setHighlighted((n) => n + 1));
    return () => { current = false; };
  }, [rendered]);
  const onClick = (event) => {
    const button = event.target.closest?.('.code-copy');
    if (button) copyCode(button);
  };
  return html`<div class=${className} onClick=${onClick} dangerouslySetInnerHTML=${{ __html: rendered.html }}></div>`;
}
