// Claude's answers as Markdown: parsed by marked, then ALWAYS cleaned by DOMPurify before it becomes HTML.
//
// Two layers, because the text comes from a model that may repeat whatever a document told it to:
// - marked renders raw HTML in the Markdown as visible text (escaped), and images as plain links, so nothing
//   loads from a URL the model chose (an image URL can carry data out) and markup about HTML stays readable;
// - DOMPurify then keeps only the tags and attributes a formatted answer needs, drops unsafe URLs, and makes
//   every link open in a new tab without access to this page.
import { Marked } from 'marked';
import { useMemo } from 'preact/hooks';
import { html } from '../html.js';
import { BASE_ATTR, BASE_TAGS, baseRenderer, linkSafePurifier } from '../markdown-base.js';
import { escapeHtml, safeUrl } from '../sanitize.js';

const ALLOWED_TAGS = BASE_TAGS;
const ALLOWED_ATTR = BASE_ATTR;
const purifier = linkSafePurifier();

const markdown = new Marked({
  gfm: true,
  renderer: {
    ...baseRenderer,
    // Images as plain links: nothing loads from a URL the model chose (an image URL can carry data out).
    image: ({ href, title, text }) => {
      const label = escapeHtml(text || href);
      const url = safeUrl(href);
      if (!url) return label;
      return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${label}</a>`;
    },
  },
});

/** Sanitised HTML for a Markdown string (safe for innerHTML: DOMPurify has the last word). */
export function renderMarkdown(text) {
  const raw = markdown.parse(String(text ?? ''), { async: false });
  return purifier.sanitize(raw, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false });
}

/** Rendered Markdown; re-parsed only when the text changes (while streaming, about 20 times a second at most). */
export function Markdown({ text, class: className = 'markdown' }) {
  const rendered = useMemo(() => renderMarkdown(text), [text]);
  return html`<div class=${className} dangerouslySetInnerHTML=${{ __html: rendered }}></div>`;
}
