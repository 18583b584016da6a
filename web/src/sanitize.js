// User text never becomes HTML unescaped.
//
// The rule: render user text as a value inside html`...` (htm + preact set it as a text node, so it is
// escaped by construction). Raw HTML is never injected: `dangerouslySetInnerHTML` and `innerHTML` are not
// used, except with the output of a real HTML sanitiser (for rendered Markdown, later) — never with
// escapeHtml output glued together by hand. URLs that come from users go through safeUrl before they
// become an href or src, because escaping does not stop `javascript:` links.

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for a sink that takes an HTML string (rare); inside html`...` text is already escaped. */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** Returns the URL if it is relative or http(s)/mailto, otherwise null (e.g. `javascript:` or `data:`). */
export function safeUrl(value, base = window.location.origin) {
  if (typeof value !== 'string' || !value.trim()) return null;
  try {
    const url = new URL(value, base);
    return SAFE_SCHEMES.has(url.protocol) ? value : null;
  } catch {
    return null;
  }
}
