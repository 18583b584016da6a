// The top bar: product name (home link), the connection indicator and the account menu.
import { html } from '../html.js';
import { Link } from '../router.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { UserMenu } from './user-menu.js';

export function Header({ user }) {
  return html`
    <header class="header">
      <${Link} href="/chat" class="brand">
        <img src="/favicon.svg" alt="" width="28" height="28" />
        <span>Sasha Studio</span>
      <//>
      <div class="header-end">
        <${ConnectionIndicator} />
        <${UserMenu} user=${user} />
      </div>
    </header>
  `;
}
