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
