// The Settings area's sections: your settings, and the cloud drives (providers and connections). Real links, the
// current one marked.
import { html } from '../html.js';
import { SETTINGS_DRIVES } from '../paths.js';
import { Link } from '../router.js';

const SECTIONS = [
  { href: '/settings', label: 'General' },
  { href: SETTINGS_DRIVES, label: 'Cloud drives' },
];

export function SettingsTabs({ current }) {
  return html`
    <nav class="subnav" aria-label="Settings sections">
      ${SECTIONS.map((section) => html`
        <${Link} key=${section.href} href=${section.href} class="subnav-link"
          aria-current=${section.href === current ? 'page' : undefined}>${section.label}<//>`)}
    </nav>
  `;
}
