// A chat's settings: its persona, the guides it applies and its permission mode, changed in a dialog and saved with
// PATCH /api/sessions/{id}; what is applied reads beside the "Chat settings" button. A new chat (no session yet)
// has them too: chosen as a `draft`, handed to `onSaved` without a request, and sent with its first message.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { PERMISSION_MODES } from '../chat/format.js';
import { Checkbox, FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';
import { AllowedTools } from './chat-allowed-tools.js';
import { Dialog } from './dialog.js';

const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });

/**
 * `{ session, personas, guides, error, reload, setSession }` for the open chat (for a new one, `session` is the
 * draft once the personas and guides are loaded); null fields until loaded.
 */
function useChatSettings(sessionId, draft) {
  const [state, setState] = useState({ sessionId, session: null, personas: null, guides: null, error: null });
  const serial = useRef(0);
  const reload = () => {
    const mine = ++serial.current;
    setState({ sessionId, session: null, personas: null, guides: null, error: null });
    const session = sessionId ? api.get(`/api/sessions/${encodeURIComponent(sessionId)}`) : Promise.resolve(null);
    Promise.all([session, api.get('/api/personas'), api.get('/api/guides')]).then(
      ([session, personas, guides]) => {
        if (mine !== serial.current) return; // another chat was opened meanwhile
        setState({ sessionId, session, personas: personas.sort(byName), guides: guides.sort(byName), error: null });
      },
      (err) => mine === serial.current && setState((s) => ({ ...s, error: err.message })),
    );
  };
  useEffect(reload, [sessionId]);
  const setSession = (session) => setState((s) => ({ ...s, session }));
  const current = state.sessionId === sessionId ? state : { session: null, personas: null, guides: null, error: null };
  const session = sessionId ? current.session : current.personas && current.guides && draft;
  return { ...current, session, reload, setSession };
}

/** "Persona: Analyst · 2 guides", or null when nothing is applied (a deleted persona or guide no longer counts). */
function appliedText({ session, personas, guides }) {
  if (!session) return null;
  const persona = personas.find((p) => p.id === session.personaId);
  const count = guides.filter((g) => session.guideIds.includes(g.id)).length;
  const parts = [persona && `Persona: ${persona.name}`, count && `${count} guide${count === 1 ? '' : 's'}`];
  return parts.filter(Boolean).join(' · ') || null;
}

function SettingsForm({ sessionId, session, personas, guides, onSaved, onClose }) {
  const { busy, error, onSubmit } = useSubmit(async ({ personaId, permissionMode }, form) => {
    const guideIds = new FormData(form).getAll('guideIds');
    const body = { personaId: personaId || null, guideIds, permissionMode };
    if (!sessionId) return onSaved(body); // a new chat: sent with its first message
    onSaved(await api.patch(`/api/sessions/${encodeURIComponent(sessionId)}`, body));
  });
  const personaId = personas.some((p) => p.id === session.personaId) ? session.personaId : '';
  // data-autofocus when the dialog opens with the form; the ref when the form appears later (settings loading).
  const focus = useAutoFocus();
  return html`
    <form class="form chat-settings-form" onSubmit=${onSubmit}>
      <p class="hint">${sessionId ? 'Changes apply from the next message.' : 'These apply from your first message.'}</p>
      <div class="field">
        <label for="chat-settings-persona">Persona</label>
        <select id="chat-settings-persona" ref=${focus} class="input" name="personaId" data-autofocus
          aria-describedby="chat-settings-persona-hint">
          <option value="" selected=${!personaId}>None</option>
          ${personas.map((p) => html`<option key=${p.id} value=${p.id} selected=${p.id === personaId}>${p.name}</option>`)}
        </select>
        <p class="hint" id="chat-settings-persona-hint">
          ${personas.length ? 'The role Claude takes in this chat.' : 'You have no personas yet.'}
          ${' '}<${Link} href="/settings">Manage personas and guides<//></p>
      </div>
      <fieldset class="fieldset">
        <legend>Guides</legend>
        ${guides.length
          ? guides.map((g) => html`<${Checkbox} key=${g.id} id=${`chat-settings-guide-${g.id}`} label=${g.name}
              name="guideIds" value=${g.id} defaultChecked=${session.guideIds.includes(g.id)} />`)
          : html`<p class="hint">No guides yet: write them in Settings, then apply them here.</p>`}
      </fieldset>
      <fieldset class="fieldset">
        <legend>Permission mode</legend>
        ${PERMISSION_MODES.map((m) => html`<${Checkbox} key=${m.value} id=${`chat-settings-mode-${m.value}`}
          type="radio" name="permissionMode" value=${m.value} label=${m.label} hint=${m.hint}
          defaultChecked=${session.permissionMode === m.value} />`)}
      </fieldset>
      ${sessionId && html`<${AllowedTools} sessionId=${sessionId} />`}
      <${FormError} message=${error} />
      <div class="dialog-actions">
        <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
        <${SubmitButton} busy=${busy} label="Save" busyLabel="Saving…" />
      </div>
    </form>
  `;
}

function SettingsDialog({ settings, sessionId, onSaved, onClose }) {
  const { session, personas, guides, error, reload, setSession } = settings;
  const saved = (next) => {
    if (sessionId) setSession(next);
    onSaved?.(next);
    onClose();
  };
  let body;
  if (error) {
    body = html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>Could not load this chat’s settings: ${error}</p>
        <button type="button" class="button button-small button-secondary" onClick=${reload}>Try again</button>
      </div>`;
  } else if (!session) {
    body = html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading…</p>`;
  } else {
    body = html`<${SettingsForm} sessionId=${sessionId} session=${session} personas=${personas} guides=${guides}
      onSaved=${saved} onClose=${onClose} />`;
  }
  return html`<${Dialog} title="Chat settings" onClose=${onClose}>${body}<//>`;
}

/** `onSaved(session)` (optional) hears about every saved change, e.g. to show the new permission mode elsewhere. */
export function ChatSessionSettings({ sessionId, draft, onSaved }) {
  const settings = useChatSettings(sessionId, draft);
  const [open, setOpen] = useState(false);
  const applied = appliedText(settings);
  return html`
    <div class="chat-settings">
      ${applied && html`<span class="chat-settings-applied" id="chat-settings-applied" title=${applied}>${applied}</span>`}
      <button type="button" class="button button-small button-secondary" aria-haspopup="dialog"
        aria-describedby=${applied ? 'chat-settings-applied' : undefined} onClick=${() => setOpen(true)}>
        <${Icon} name="settings" size=${16} /> Chat settings
      </button>
      ${open && html`<${SettingsDialog} settings=${settings} sessionId=${sessionId} onSaved=${onSaved}
        onClose=${() => setOpen(false)} />`}
    </div>
  `;
}
