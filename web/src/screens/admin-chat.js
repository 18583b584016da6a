// Admin → Chat (/admin/chat): which permission modes people may pick for their chats (GET and PUT
// /api/admin/settings/chat). "Ask before changes" is always allowed; acting without asking needs a deliberate tick.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { AdminSettingState, useAdminSetting } from '../components/admin-setting.js';
import { AdminTabs } from '../components/admin-tabs.js';
import { PERMISSION_MODES } from '../chat/format.js';
import { Checkbox, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { ADMIN_CHAT } from '../paths.js';

const SETTINGS_PATH = '/api/admin/settings/chat';
const BYPASS = {
  value: 'bypassPermissions',
  label: 'Act without asking',
  hint: 'Claude edits files and runs commands without asking anyone first. Allow it only if you trust every chat.',
};
const MODES = [...PERMISSION_MODES, BYPASS];
const ALWAYS = 'default';

function ModesForm({ allowed, onSaved }) {
  const [chosen, setChosen] = useState(() => new Set(allowed));
  const changed = MODES.some((m) => chosen.has(m.value) !== allowed.includes(m.value));
  const { busy, error, onSubmit } = useSubmit(async () => {
    const body = { allowedPermissionModes: MODES.map((m) => m.value).filter((v) => v === ALWAYS || chosen.has(v)) };
    onSaved((await api.put(SETTINGS_PATH, body)).allowedPermissionModes);
  });
  const toggle = (value, on) => setChosen((set) => {
    const next = new Set(set);
    if (on) next.add(value);
    else next.delete(value);
    return next;
  });
  return html`
    <form class="form" onSubmit=${onSubmit}>
      <fieldset class="fieldset">
        <legend>Permission modes people may pick</legend>
        ${MODES.map((m) => html`<${Checkbox} key=${m.value} id=${`chat-mode-${m.value}`} name="modes" value=${m.value}
          label=${m.value === ALWAYS ? `${m.label} (always allowed)` : m.label} hint=${m.hint}
          checked=${m.value === ALWAYS || chosen.has(m.value)} disabled=${m.value === ALWAYS}
          onChange=${(e) => toggle(m.value, e.currentTarget.checked)} />`)}
      </fieldset>
      ${chosen.has(BYPASS.value) && html`
        <div class="callout callout-warn callout-row" role="note">
          <${Icon} name="alert" size=${18} />
          <p><strong>Act without asking</strong> lets Claude change files and run commands in a chat without asking
            anyone. Whoever picks it answers for what Claude does.</p>
        </div>`}
      <${FormError} message=${error} />
      <div class="form-actions">
        <${SubmitButton} busy=${busy} label="Save" busyLabel="Saving…" disabled=${busy || !changed} />
      </div>
    </form>
  `;
}

export default function AdminChatScreen() {
  const setting = useAdminSetting(SETTINGS_PATH);
  const allowed = setting.value?.allowedPermissionModes ?? null;
  const saved = (modes) => setting.saved(
    { allowedPermissionModes: modes }, 'Saved. New choices apply to the chat settings people open from now on.');
  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Chat settings</h1>
        <p class="page-lead">What people may let Claude do in their chats.</p>
        <${AdminTabs} current=${ADMIN_CHAT} />
      </header>
      <section class="card" aria-labelledby="chat-modes-title">
        <div class="card-header">
          <h2 id="chat-modes-title"><${Icon} name="chat" size=${20} /> Permission modes</h2>
        </div>
        <p class="card-lead">Each chat has a permission mode, picked in its settings. Untick a mode to take it off
          that list for everyone.</p>
        <${AdminSettingState} setting=${setting} />
        ${allowed && html`<${ModesForm} key=${allowed.join()} allowed=${allowed} onSaved=${saved} />`}
      </section>
    </div>
  `;
}
