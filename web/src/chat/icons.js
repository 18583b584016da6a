// The Chat screen's extra line icons, drawn like icons.js (24×24, stroke = currentColor, aria-hidden);
// any other name falls back to the shared set.
import { html } from '../html.js';
import { Icon } from '../icons.js';

const shapes = {
  send: () => html`<path d="M12 19V5M5 12l7-7 7 7" />`,
  stop: () => html`<rect x="6" y="6" width="12" height="12" rx="2" />`,
  edit: () => html`<path d="M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" />`,
  trash: () => html`<path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />`,
  tool: () => html`<path d="M14.7 6.3a4 4 0 0 0-5.4 5.2L3 17.8V21h3.2l6.3-6.3a4 4 0 0 0 5.2-5.4l-2.6 2.6-2.4-.6-.6-2.4z" />`,
  info: () => html`<circle cx="12" cy="12" r="10" /><path d="M12 16v-4M12 8h.01" />`,
  menu: () => html`<path d="M3 6h18M3 12h18M3 18h18" />`,
  retry: () => html`<path d="M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5" />`,
  sparkle: () => html`<path d="M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8z" /><path d="M19 17l.7 2 2 .7-2 .7-.7 2-.7-2-2-.7 2-.7z" />`,
};

export function ChatIcon({ name, size = 18 }) {
  if (!shapes[name]) return html`<${Icon} name=${name} size=${size} />`;
  return html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24" fill="none" stroke="currentColor"
    stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
    ${shapes[name]()}
  </svg>`;
}
