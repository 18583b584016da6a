// The Admin area's sections: the people, the AI provider, what chats may do, how much each person may use, what
// it costs, the budgets and the audit log. Real links, the current one marked.
import { html } from '../html.js';
import { ADMIN_AUDIT, ADMIN_BUDGETS, ADMIN_CHAT, ADMIN_LIMITS, ADMIN_USAGE, AI_PROVIDER } from '../paths.js';
import { Link } from '../router.js';

const SECTIONS = [
  { href: '/admin', label: 'Users' },
  { href: AI_PROVIDER, label: 'AI provider' },
  { href: ADMIN_CHAT, label: 'Chat' },
  { href: ADMIN_LIMITS, label: 'Limits' },
  { href: ADMIN_USAGE, label: 'Usage' },
  { href: ADMIN_BUDGETS, label: 'Budgets' },
  { href: ADMIN_AUDIT, label: 'Audit log' },
];

export function AdminTabs({ current }) {
  return html`
    <nav class="subnav" aria-label="Admin sections">
      ${SECTIONS.map((section) => html`
        <${Link} key=${section.href} href=${section.href} class="subnav-link"
          aria-current=${section.href === current ? 'page' : undefined}>${section.label}<//>`)}
    </nav>
  `;
}
