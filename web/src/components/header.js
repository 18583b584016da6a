// The top bar: product name (home link) and the connection indicator.
import { html } from '../html.js';
import { Link } from '../router.js';
import { ConnectionIndicator } from './connection-indicator.js';

export function Header() {
  return html`
    <header class="header">
      <${Link} href="/chat" class="brand">
        <img src="/favicon.svg" alt="" width="28" height="28" />
        <span>Sasha Studio</span>
      <//>
      <${ConnectionIndicator} />
    </header>
  `;
}
