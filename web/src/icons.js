// Line icons (24×24, stroke = currentColor), decorative: always aria-hidden.
import { html } from './html.js';

const shapes = {
  chat: () => html`<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />`,
  files: () => html`<path d="M22 19a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h5l2 3h9a2 2 0 0 1 2 2z" />`,
  skills: () => html`<path d="M13 2 3 14h9l-1 8 10-12h-9l1-8z" />`,
  schedules: () => html`<circle cx="12" cy="12" r="10" /><path d="M12 6v6l4 2" />`,
  meetings: () => html`<rect x="9" y="2" width="6" height="12" rx="3" /><path d="M19 10v1a7 7 0 0 1-14 0v-1M12 18v4M8 22h8" />`,
  git: () => html`<circle cx="6" cy="6" r="2.5" /><circle cx="6" cy="18" r="2.5" /><circle cx="18" cy="8" r="2.5" />
    <path d="M6 8.5v7M18 10.5c0 4-5 3.5-10.2 6" />`,
  settings: () => html`<path d="M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6" />`,
  admin: () => html`<path d="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z" /><path d="m9 12 2 2 4-4" />`,
  compass: () => html`<circle cx="12" cy="12" r="10" /><path d="m16.2 7.8-2.1 6.3-6.3 2.1 2.1-6.3z" />`,
  close: () => html`<path d="M18 6 6 18M6 6l12 12" />`,
  user: () => html`<circle cx="12" cy="8" r="4" /><path d="M4 21v-1a7 7 0 0 1 14 0v1" />`,
  users: () => html`<circle cx="9" cy="8" r="4" /><path d="M2 21v-1a7 7 0 0 1 14 0v1M16 4a4 4 0 0 1 0 8M22 21v-1a7 7 0 0 0-4-6.3" />`,
  key: () => html`<circle cx="7.5" cy="15.5" r="4.5" /><path d="m10.7 12.3 9.8-9.8M16 7l3 3M19 4l2 2" />`,
  lock: () => html`<rect x="4" y="11" width="16" height="10" rx="2" /><path d="M8 11V7a4 4 0 0 1 8 0v4" />`,
  mail: () => html`<rect x="2" y="4" width="20" height="16" rx="2" /><path d="m22 6-10 7L2 6" />`,
  chevron: () => html`<path d="m6 9 6 6 6-6" />`,
  logout: () => html`<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />`,
  copy: () => html`<rect x="9" y="9" width="13" height="13" rx="2" /><path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" />`,
  check: () => html`<path d="M20 6 9 17l-5-5" />`,
  plus: () => html`<path d="M12 5v14M5 12h14" />`,
  alert: () => html`<circle cx="12" cy="12" r="10" /><path d="M12 8v4M12 16h.01" />`,
  building: () => html`<rect x="4" y="2" width="16" height="20" rx="2" /><path d="M9 22v-4h6v4M8 6h.01M12 6h.01M16 6h.01M8 10h.01M12 10h.01M16 10h.01M8 14h.01M12 14h.01M16 14h.01" />`,
  sparkle: () => html`<path d="M12 3l1.9 5.8L20 11l-6.1 2.2L12 19l-1.9-5.8L4 11l6.1-2.2z" />`,
  cloud: () => html`<path d="M17.5 19a4.5 4.5 0 1 0-1.4-8.8A6 6 0 0 0 4.3 12.5 3.5 3.5 0 0 0 6 19z" />`,
  document: () => html`<path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z" /><path d="M14 2v6h6M8 13h8M8 17h5" />`,
  rules: () => html`<path d="M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5z" /><path d="M4 19.5A2.5 2.5 0 0 0 6.5 22H20v-5M8 7h8M8 11h6" />`,
  arrow: () => html`<path d="M5 12h14M13 6l6 6-6 6" />`,
  usage: () => html`<path d="M3 3v18h18" /><path d="M7 16v-4M12 16V8M17 16v-7" />`,
};

export function Icon({ name, size = 20 }) {
  return html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24" fill="none" stroke="currentColor"
    stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
    ${shapes[name]?.()}
  </svg>`;
}
