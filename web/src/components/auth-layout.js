// The frame of the screens outside the shell (first run, sign-in, password reset): one calm card.
import { html } from '../html.js';

export function AuthLayout({ title, intro, children, footer }) {
  return html`
    <main id="main" class="auth" tabindex="-1">
      <div class="auth-card">
        <div class="auth-brand">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <span>Sasha Studio</span>
        </div>
        <h1 id="screen-title" tabindex="-1">${title}</h1>
        ${intro && html`<div class="auth-intro">${intro}</div>`}
        ${children}
      </div>
      ${footer && html`<div class="auth-footer">${footer}</div>`}
    </main>
  `;
}
