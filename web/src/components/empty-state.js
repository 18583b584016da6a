// What an area shows while it holds nothing yet: its name and what it will do, without fake data.
import { html } from '../html.js';
import { Icon } from '../icons.js';

export function EmptyState({ icon, title, children }) {
  return html`
    <section class="empty-state" aria-labelledby="screen-title">
      <div class="empty-state-icon"><${Icon} name=${icon} size=${28} /></div>
      <h1 id="screen-title" tabindex="-1">${title}</h1>
      <div class="empty-state-text">${children}</div>
    </section>
  `;
}
