// Bedrock's 1M-token context: a switch; turning it on asks for an explicit acknowledgement (what it costs, and that
// the model must support it), which is kept with every change in the history below it.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { DateText } from '../format.js';
import { FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Dialog } from './dialog.js';

export function acknowledgementText(modelId) {
  return `I understand that requests with more than 200K input tokens are billed at a higher price per token, and ` +
    `that Amazon Bedrock must support the 1M-token context for the model in use (${modelId || 'the selected model'}) ` +
    `in this region.`;
}

const newestFirst = (a, b) => (b.createdAt || '').localeCompare(a.createdAt || '');

function useAudit() {
  const [state, setState] = useState({ rows: null, error: null });
  const load = () => {
    api.get('/api/admin/bedrock/context-audit').then(
      (rows) => setState({ rows: [...rows].sort(newestFirst), error: null }),
      (err) => setState({ rows: null, error: err.message }),
    );
  };
  useEffect(load, []);
  return { ...state, load };
}

function EnableDialog({ modelId, onClose, onEnabled }) {
  const text = acknowledgementText(modelId);
  const [agreed, setAgreed] = useState(false);
  const { busy, error, onSubmit } = useSubmit(async () => {
    onEnabled(await api.post('/api/admin/bedrock/context-1m', { enabled: true, acknowledgment: text }));
  });
  return html`
    <${Dialog} title="Turn on the 1M-token context?" onClose=${onClose}>
      <form class="form" onSubmit=${onSubmit}>
        <p>Claude can then read up to a million tokens in one request instead of 200K. Long requests cost more, and
          not every model or region offers it.</p>
        <div class="check acknowledgement">
          <input id="context-1m-ack" type="checkbox" checked=${agreed} data-autofocus
            onChange=${(event) => setAgreed(event.currentTarget.checked)} />
          <label for="context-1m-ack">${text}</label>
        </div>
        <${FormError} message=${error} />
        <div class="dialog-actions">
          <button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
          <${SubmitButton} busy=${busy} label="Turn on" busyLabel="Turning on…" disabled=${busy || !agreed} />
        </div>
      </form>
    <//>
  `;
}

function AuditTable({ audit }) {
  if (audit.error) return html`<p class="hint hint-bad">The history could not be loaded: ${audit.error}</p>`;
  if (!audit.rows) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading the history…</p>`;
  if (!audit.rows.length) return html`<p class="card-empty">No changes yet. Every time someone turns it on or off, it is recorded here.</p>`;
  return html`
    <div class="table-wrap">
      <table class="table table-stack audit-table">
        <caption class="sr-only">Changes to the 1M-token context</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Change</th><th scope="col">Acknowledgement</th></tr></thead>
        <tbody>
          ${audit.rows.map((row, index) => html`
            <tr key=${`${row.createdAt}-${index}`}>
              <td data-label="When"><${DateText} value=${row.createdAt} ago /></td>
              <td class="username" data-label="Who">${row.username || row.userId}</td>
              <td data-label="Change">${row.enabled ? 'Turned on' : 'Turned off'}</td>
              <td class="cell-wrap" data-label="Acknowledgement">${row.acknowledgment || html`<span class="muted">—</span>`}</td>
            </tr>`)}
        </tbody>
      </table>
    </div>
  `;
}

/** `bedrock`: the status's bedrock part; `onStatus(status)` after a change. */
export function Context1m({ bedrock, onStatus }) {
  const audit = useAudit();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const enabled = Boolean(bedrock.context1mEnabled);

  const changed = (status) => {
    onStatus(status);
    audit.load();
  };
  const toggle = async (event) => {
    event.currentTarget.checked = enabled; // the answer, not the click, decides
    setError(null);
    if (!enabled) return setAsking(true);
    setBusy(true);
    try {
      changed(await api.post('/api/admin/bedrock/context-1m', { enabled: false }));
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <section class="form-section context-1m" aria-labelledby="context-1m-title">
      <h3 id="context-1m-title">1M-token context</h3>
      <div class="check switch-row">
        <label class="switch">
          <input id="context-1m" type="checkbox" role="switch" checked=${enabled} disabled=${busy}
            aria-describedby="context-1m-hint" onChange=${toggle} />
          <span class="switch-track" aria-hidden="true"></span>
        </label>
        <div>
          <label for="context-1m">Use the 1M-token context</label>
          <p class="hint" id="context-1m-hint">${enabled ? 'On: requests may use up to a million tokens.' : 'Off: requests use up to 200K tokens.'}</p>
        </div>
      </div>
      <${FormError} message=${error} />
      <h4 class="audit-title">History</h4>
      <${AuditTable} audit=${audit} />
      ${asking && html`<${EnableDialog} modelId=${bedrock.modelId} onClose=${() => setAsking(false)}
        onEnabled=${(status) => { setAsking(false); changed(status); }} />`}
    </section>
  `;
}
