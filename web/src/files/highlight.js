// Code files highlighted by highlight.js (its browser ES module build, loaded the first time code is shown).
// highlight.js escapes the code it wraps; its output still goes through DOMPurify (spans with classes only), so
// nothing but a real sanitiser's output ever reaches innerHTML.
import DOMPurify from 'dompurify';

const HIGHLIGHT_LIMIT = 300 * 1024; // larger files show as plain text: highlighting them would freeze the page
const purifier = DOMPurify(window);
let loading = null;

function highlighter() {
  loading ??= import('highlight.js').then((module) => module.default);
  return loading;
}

/** Sanitised HTML of `code` highlighted as `language`, or null when it stays plain (unknown language, too long). */
export async function highlightCode(code, language) {
  if (!language || code.length > HIGHLIGHT_LIMIT) return null;
  const hljs = await highlighter();
  if (!hljs.getLanguage(language)) return null;
  const { value } = hljs.highlight(code, { language, ignoreIllegals: true });
  return purifier.sanitize(value, { ALLOWED_TAGS: ['span'], ALLOWED_ATTR: ['class'] });
}
