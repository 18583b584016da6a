// The screen for paths that match no area.
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';

function readable(path) {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export default function NotFoundScreen({ path }) {
  return html`
    <section class="empty-state" aria-labelledby="screen-title">
      <div class="empty-state-icon"><${Icon} name="compass" size=${28} /></div>
      <h1 id="screen-title" tabindex="-1">Page not found</h1>
      <div class="empty-state-text">
        <p>There is no page at <code class="path">${readable(path)}</code>. Pick an area from the navigation.</p>
      </div>
      <p><${Link} href="/chat" class="button">Go to Chat<//></p>
    </section>
  `;
}
