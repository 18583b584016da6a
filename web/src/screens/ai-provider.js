// Admin → AI provider (/admin/ai-provider): which provider Claude runs on, the Anthropic key, Amazon Bedrock's
// credentials, model and 1M-token context, and switching between them. Administrators only (the API says 403 too).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { AdminTabs } from '../components/admin-tabs.js';
import { BedrockCredentials } from '../components/bedrock-credentials.js';
import { BedrockModel } from '../components/bedrock-model.js';
import { ClaudeKeyForm } from '../components/claude-key-form.js';
import { Context1m } from '../components/context-1m.js';
import { ProviderOverview } from '../components/provider-overview.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { AI_PROVIDER } from '../paths.js';
import { refreshSetupStatus } from '../setup-status.js';

function useProviderStatus() {
  const [state, setState] = useState({ status: null, error: null });
  const load = () => {
    setState((s) => ({ ...s, error: null }));
    api.get('/api/admin/ai-provider').then((status) => setState({ status, error: null }), (err) => setState({ status: null, error: err.message }));
  };
  useEffect(load, []);
  /** A newer status from a change: shown at once, and the app's limited-mode state follows. */
  const update = (status) => {
    setState({ status, error: null });
    refreshSetupStatus();
  };
  return { ...state, load, update };
}

function InUseBadge({ active }) {
  return active ? html` <span class="badge badge-accent">In use</span>` : null;
}

/** User id → username, for "last changed by" (null until known; a failure leaves it unknown). */
function useUserNames() {
  const [names, setNames] = useState(null);
  useEffect(() => {
    let live = true;
    api.get('/api/admin/users').then((users) => live && setNames(new Map(users.map((u) => [u.id, u.username]))), () => {});
    return () => (live = false);
  }, []);
  return names;
}

function AnthropicCard({ status, onStatus, onTested }) {
  return html`
    <section class="card" aria-labelledby="anthropic-title">
      <div class="card-header">
        <h2 id="anthropic-title"><${Icon} name="key" size=${20} /> Anthropic (Claude API)<${InUseBadge}
          active=${status.provider === 'anthropic'} /></h2>
      </div>
      <p class="card-lead">Claude through Anthropic’s API, with your company’s key. Test on an empty field tests the
        key in use.</p>
      <${ClaudeKeyForm} idPrefix="admin-claude" anthropic=${status.anthropic} onSaved=${onStatus} onTested=${onTested} />
    </section>
  `;
}

function BedrockCard({ status, onStatus, onTested }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const disable = async () => {
    setBusy(true);
    setError(null);
    try {
      onStatus(await api.post('/api/admin/bedrock/disable'));
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const active = status.provider === 'bedrock';
  return html`
    <section class="card" aria-labelledby="bedrock-title">
      <div class="card-header">
        <h2 id="bedrock-title"><${Icon} name="cloud" size=${20} /> Amazon Bedrock<${InUseBadge} active=${active} /></h2>
        ${active && html`<button type="button" class="button button-secondary" disabled=${busy} onClick=${disable}>
          ${busy ? 'Switching…' : 'Switch back to Anthropic'}</button>`}
      </div>
      <p class="card-lead">Claude through your own AWS account: billing, quotas and data stay with AWS. Save the
        credentials, test the connection, then pick the model to use.</p>
      <div class="form-error" role="alert">${error || ''}</div>
      <div class="form-grid">
        <${BedrockCredentials} bedrock=${status.bedrock} onStatus=${onStatus} />
        <${BedrockModel} status=${status} onStatus=${onStatus} onTested=${onTested} />
      </div>
      ${active && html`<${Context1m} bedrock=${status.bedrock} onStatus=${onStatus} />`}
    </section>
  `;
}

export default function AiProviderScreen({ user }) {
  const { status, error, load, update } = useProviderStatus();
  const names = useUserNames();
  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">AI provider</h1>
        <p class="page-lead">Which service Claude runs on for everyone in this workspace, and its credentials.</p>
        <${AdminTabs} current=${AI_PROVIDER} />
      </header>
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${load}>Try again</button>
        </div>`}
      ${!status && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading the AI provider…</p>`}
      ${status && html`
        <${ProviderOverview} status=${status} me=${user} names=${names} />
        <${AnthropicCard} status=${status} onStatus=${update} onTested=${load} />
        <${BedrockCard} status=${status} onStatus=${update} onTested=${load} />`}
    </div>
  `;
}
