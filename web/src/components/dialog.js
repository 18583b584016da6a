// A modal dialog on the native <dialog>: focus moves in (to [data-autofocus], else the first control) and is
// trapped, Escape closes, and focus returns to where it was on close.
// Render it only while it is open; `onClose` is called for Escape and the close button.
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from '../icons.js';

let nextId = 1;

export function Dialog({ title, onClose, children, tone = 'default' }) {
  const ref = useRef(null);
  const titleId = useRef(`dialog-title-${nextId++}`).current;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    dialog.showModal();
    // Not the autofocus attribute: Chrome ignores it (and says so) once the page has a focused element.
    dialog.querySelector('[data-autofocus]')?.focus();
    return () => {
      if (dialog.open) dialog.close();
      // Back to what opened it, if it is still there and focus was not sent somewhere on purpose meanwhile.
      const lost = document.activeElement === document.body || dialog.contains(document.activeElement);
      if (lost && opener?.isConnected && opener !== document.body) opener.focus();
    };
  }, []);

  const onCancel = (event) => {
    event.preventDefault(); // Escape: let the owner decide (and unmount us)
    onClose();
  };
  return html`
    <dialog ref=${ref} class="dialog" data-tone=${tone} aria-labelledby=${titleId} onCancel=${onCancel}>
      <div class="dialog-body">
        <div class="dialog-header">
          <h2 id=${titleId}>${title}</h2>
          <button type="button" class="icon-button" aria-label="Close" onClick=${onClose}>
            <${Icon} name="close" size=${18} />
          </button>
        </div>
        ${children}
      </div>
    </dialog>
  `;
}
