// An administrator setting (GET and PUT /api/admin/settings/…) as its Admin screen shows it: loaded once, a
// failure with "Try again", a spinner meanwhile, and what the last save said.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';

/** `{ value (null while loading or failed), error, reload, flash, saved(value, message) }` of the setting at `path`. */
export function useAdminSetting(path) {
  const [state, setState] = useState({ value: null, error: null });
  const [flash, setFlash] = useState(null);
  const reload = () => {
    setState({ value: null, error: null });
    api.get(path).then((value) => setState({ value, error: null }), (err) => setState({ value: null, error: err.message }));
  };
  useEffect(reload, [path]);
  const saved = (value, message) => {
    setState({ value, error: null });
    setFlash(message);
  };
  return { ...state, reload, flash, saved };
}

/** The flash line, the failure or the spinner; the caller shows the form once `setting.value` is there. */
export function AdminSettingState({ setting }) {
  return html`
    <div class="flash" role="status" data-tone=${setting.flash ? 'ok' : undefined}>${setting.flash || ''}</div>
    ${setting.error && html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>${setting.error}</p>
        <button type="button" class="button button-small button-secondary" onClick=${setting.reload}>Try again</button>
      </div>`}
    ${!setting.value && !setting.error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading…</p>`}
  `;
}
