// The toast stack: notices appear without blocking the screen and can be dismissed.
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { dismiss, useNotices } from '../notices.js';

export function NoticeList() {
  const notices = useNotices();
  return html`
    <section class="notices" aria-label="Notifications">
      <ul aria-live="polite">
        ${notices.map(
          (notice) => html`
            <li key=${notice.id} class="notice" data-tone=${notice.tone}>
              <p class="notice-text">
                ${notice.message}
                ${notice.code && html`<span class="notice-code">${notice.code}</span>`}
              </p>
              <button type="button" class="icon-button" aria-label="Dismiss" onClick=${() => dismiss(notice.id)}>
                <${Icon} name="close" size=${16} />
              </button>
            </li>
          `,
        )}
      </ul>
    </section>
  `;
}
