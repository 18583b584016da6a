// What every Markdown view shares (Claude's answers in src/chat/markdown.js, project documents in
// src/files/markdown.js): marked renders raw HTML as visible text and task-list boxes as characters, and
// DOMPurify keeps only formatting tags, drops unsafe URLs and opens every link in a new tab without access to
// this page. Each view adds what it needs on top (documents show their own images).
import DOMPurify from 'dompurify';
import { escapeHtml, safeUrl } from './sanitize.js';

export const BASE_TAGS = [
  'a', 'blockquote', 'br', 'code', 'del', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'ol', 'p', 'pre',
  'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
];
export const BASE_ATTR = ['href', 'title', 'align', 'start', 'class'];

/** The marked renderer overrides every view keeps: raw HTML shown as text, task lists as text (no form controls). */
export const baseRenderer = {
  html: ({ text }) => escapeHtml(text),
  checkbox: ({ checked }) => (checked ? '☑ ' : '☐ '),
};

/** A DOMPurify instance whose links are safe: unsafe hrefs removed, new tab, no opener, no referrer. */
export function linkSafePurifier() {
  const purifier = DOMPurify(window);
  purifier.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href');
      if (!href || !safeUrl(href)) node.removeAttribute('href');
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
  return purifier;
}

const LANGUAGE = /^[\w#+.-]{1,32}$/;

/** A code block's language as its info string names it (`python` of ```python title=x), or '' when none or odd. */
export function codeLanguage(info) {
  const name = String(info ?? '').trim().split(/\s+/)[0].toLowerCase();
  return LANGUAGE.test(name) ? name : '';
}

/** Whether a fenced block has its closing fence (while an answer streams, the last one may not yet). */
export function fenceClosed(raw) {
  const lines = String(raw ?? '').trimEnd().split('\n');
  return lines.length > 1 && /^\s{0,3}(`{3,}|~{3,})\s*$/.test(lines.at(-1));
}

/** The tags and attributes a code block adds (codeBlockHtml), for a view that shows them. */
export const CODE_TAGS = ['div', 'span', 'button'];
export const CODE_ATTR = ['type', 'aria-label'];

/**
 * A code block with its language and a Copy button (the view handles its clicks): `highlighted` is highlight.js's
 * sanitised output, else the code is escaped here. Still passed through DOMPurify with the rest of the answer.
 */
export function codeBlockHtml(code, language, highlighted = null) {
  const label = language || 'code';
  const body = highlighted ?? escapeHtml(code.replace(/\n$/, ''));
  const codeClass = [highlighted ? 'hljs' : '', language ? `language-${language}` : ''].filter(Boolean).join(' ');
  return `<div class="code-block"><div class="code-head"><span class="code-lang">${escapeHtml(label)}</span>`
    + `<button type="button" class="code-copy" aria-label="Copy the ${escapeHtml(label)} code">Copy</button></div>`
    + `<pre><code${codeClass ? ` class="${codeClass}"` : ''}>${body}</code></pre></div>\n`;
}
