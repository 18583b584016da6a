// Form building blocks: labelled fields, the error slot each form announces through, and a submit hook.
// Forms are uncontrolled: the values are read with FormData when they are submitted.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';

/** `{ busy, error, setError, onSubmit }`: `action(values, form)` runs once at a time; its ApiError message is shown. */
export function useSubmit(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const mounted = useRef(true);
  useEffect(() => () => (mounted.current = false), []);

  const onSubmit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const form = event.currentTarget;
    setBusy(true);
    setError(null);
    try {
      await action(Object.fromEntries(new FormData(form)), form);
    } catch (err) {
      if (err.name !== 'AbortError' && mounted.current) setError(err.message || 'Something went wrong. Try again.');
    } finally {
      if (mounted.current) setBusy(false);
    }
  };
  return { busy, error, setError, onSubmit };
}

/** A labelled input; `hint` is tied to it with aria-describedby. */
export function Field({ id, label, hint, optional = false, inputRef, ...input }) {
  const hintId = hint ? `${id}-hint` : undefined;
  return html`
    <div class="field">
      <label for=${id}>${label}${optional && html` <span class="optional">(optional)</span>`}</label>
      <input id=${id} ref=${inputRef} class="input" aria-describedby=${hintId} ...${input} />
      ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
    </div>
  `;
}

/** A checkbox with its label (and an optional hint) beside it. */
export function Checkbox({ id, label, hint, ...input }) {
  const hintId = hint ? `${id}-hint` : undefined;
  return html`
    <div class="check">
      <input id=${id} type="checkbox" aria-describedby=${hintId} ...${input} />
      <div>
        <label for=${id}>${label}</label>
        ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
      </div>
    </div>
  `;
}

/** Always in the page, so screen readers hear the message the moment it is filled in. */
export function FormError({ message }) {
  return html`<div class="form-error" role="alert">${message || ''}</div>`;
}

/** The submit button: disabled, with a progress label, while the form is being sent. */
export function SubmitButton({ busy, label, busyLabel, tone = 'primary', block = false, ...props }) {
  return html`
    <button type="submit" class=${`button button-${tone}${block ? ' button-block' : ''}`} disabled=${busy} ...${props}>
      ${busy && html`<span class="spinner" aria-hidden="true"></span>`}
      ${busy ? busyLabel : label}
    </button>
  `;
}

/** Focuses the element once it is in the page (dynamically inserted autofocus is not reliable). */
export function useAutoFocus() {
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

export const PASSWORDS_DIFFER = 'The two passwords are not the same. Type the new password twice.';

/** null when the two new passwords agree, otherwise what to say. */
export function passwordMismatch(password, confirm) {
  return password === confirm ? null : PASSWORDS_DIFFER;
}
