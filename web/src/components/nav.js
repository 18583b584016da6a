// The area navigation: real links, the current one marked with aria-current.
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';
import { areasFor } from '../routes.js';

export function Nav({ current, user }) {
  const list = useRef(null);
  useEffect(() => {
    // On a phone the navigation is a scrolling strip: keep the current area in view.
    list.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current]);

  return html`
    <nav class="nav" aria-label="Areas">
      <ul ref=${list}>
        ${areasFor(user).map(
          (area) => html`
            <li key=${area.path}>
              <${Link} href=${area.path} class="nav-link" aria-current=${area.path === current ? 'page' : undefined}>
                <${Icon} name=${area.icon} />
                <span>${area.label}</span>
              <//>
            </li>
          `,
        )}
      </ul>
    </nav>
  `;
}
