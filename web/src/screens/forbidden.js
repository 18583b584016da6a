// For a signed-in person who opened a screen that is only for administrators.
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';

export default function ForbiddenScreen() {
  return html`
    <section class="empty-state" aria-labelledby="screen-title">
      <div class="empty-state-icon"><${Icon} name="lock" size=${28} /></div>
      <h1 id="screen-title" tabindex="-1">Only for administrators</h1>
      <div class="empty-state-text">
        <p>This page manages the workspace itself (its people, its AI provider, the company’s setup), so only
          administrators can open it. If you need something changed, ask one of them.</p>
      </div>
      <p><${Link} href="/chat" class="button button-primary">Go to Chat<//></p>
    </section>
  `;
}
