// "Are you sure?" for an action that destroys something: the consequences (children), Cancel focused first,
// and a danger button that runs `onConfirm`; its error shows in the dialog, which stays open.
import { FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Dialog } from './dialog.js';

export function ConfirmDialog({ title, confirmLabel, busyLabel, onConfirm, onClose, children }) {
  const { busy, error, onSubmit } = useSubmit(() => onConfirm());
  return html`
    <${Dialog} title=${title} onClose=${onClose} tone="danger">
      <form class="form" onSubmit=${onSubmit}>
        ${children}
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose} data-autofocus>Cancel</button>
          <${SubmitButton} busy=${busy} label=${confirmLabel} busyLabel=${busyLabel} tone="danger" />
        </div>
      </form>
    <//>
  `;
}
