// Amazon Bedrock's model and connection: pick a model (the ones Bedrock lists, or any model ID typed in), test the
// connection with it, and make Bedrock the provider with that model.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { testOutcome } from '../provider/format.js';
import { TestResult } from './test-result.js';

/** `{ models, source, message, error, loading, reload }` from GET /api/admin/bedrock/models, once `enabled`. */
function useModels(enabled, key) {
  const [state, setState] = useState({ models: [], source: null, message: null, error: null, loading: false });
  const reload = () => {
    setState((s) => ({ ...s, error: null, loading: true }));
    api.get('/api/admin/bedrock/models').then(
      (answer) => setState({ models: answer.models || [], source: answer.source, message: answer.message || null, error: null, loading: false }),
      (err) => setState((s) => ({ ...s, error: err.message, loading: false })),
    );
  };
  useEffect(() => {
    if (enabled) reload();
  }, [enabled, key]);
  return { ...state, reload };
}

function ModelsNote({ models }) {
  if (models.loading) return html`<p class="hint"><span class="spinner" aria-hidden="true"></span> Asking Bedrock which models you can use…</p>`;
  if (models.error) {
    return html`<p class="hint hint-bad">The models could not be listed: ${models.error}
      <button type="button" class="link-button" onClick=${models.reload}>Try again</button></p>`;
  }
  if (models.source === 'default') {
    return html`<p class="hint">The usual Claude models on Bedrock${models.message ? ` (${models.message})` : ''}. Any model ID or
      inference profile your account can use works too.</p>`;
  }
  if (models.source === 'bedrock') return html`<p class="hint">${models.models.length} models your account can use. Any other model ID works too.</p>`;
  return html`<p class="hint">Save the credentials first to list the models; any model ID can be typed in.</p>`;
}

function useConnectionTest(onTested) {
  const [testing, setTesting] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const [error, setError] = useState(null);
  const test = async (modelId) => {
    setTesting(true);
    setOutcome(null);
    setError(null);
    try {
      const result = await api.post('/api/admin/bedrock/test', modelId ? { modelId } : {});
      setOutcome(testOutcome(result));
      onTested(result);
    } catch (err) {
      setError(err.message);
    } finally {
      setTesting(false);
    }
  };
  return { testing, outcome, error, test };
}

/** `status`: the provider status; `onStatus(status)` after a switch; `onTested()` after a test. */
export function BedrockModel({ status, onStatus, onTested }) {
  const { bedrock } = status;
  const [draft, setDraft] = useState(bedrock.modelId || '');
  const models = useModels(Boolean(bedrock.region), `${bedrock.region}|${bedrock.accessKeyHint}|${bedrock.useTaskRole}`);
  const connection = useConnectionTest(onTested);
  const { busy, error, onSubmit } = useSubmit(async () => {
    const modelId = draft.trim();
    if (!modelId) throw new Error('Pick a model or type its ID.');
    onStatus(await api.post('/api/admin/bedrock/switch-model', { modelId }));
  });
  const inUse = status.provider === 'bedrock' && bedrock.modelId === draft.trim();

  return html`
    <form class="form form-section" onSubmit=${onSubmit} aria-labelledby="bedrock-model-title">
      <h3 id="bedrock-model-title">Model and connection</h3>
      <div class="field">
        <label for="bedrock-model">Model</label>
        <input id="bedrock-model" class="input input-mono" list="bedrock-models" value=${draft} autocomplete="off"
          spellcheck=${false} autocapitalize="none" placeholder="anthropic.claude-…" aria-describedby="bedrock-model-hint"
          onInput=${(event) => setDraft(event.currentTarget.value)} />
        <datalist id="bedrock-models">
          ${models.models.map((model) => html`<option key=${model.id} value=${model.id}>${model.name}</option>`)}
        </datalist>
        <div id="bedrock-model-hint"><${ModelsNote} models=${models} /></div>
      </div>
      <div class="feedback">
        <${TestResult} id="bedrock-test" outcome=${connection.outcome} passedTitle="Bedrock answered"
          failedTitle="The connection test failed" />
        <${FormError} message=${error || connection.error} />
      </div>
      <div class="form-actions">
        <button type="button" class="button button-secondary" disabled=${connection.testing || !bedrock.region}
          title=${bedrock.region ? undefined : 'Save the credentials first'} onClick=${() => connection.test(draft.trim())}>
          ${connection.testing && html`<span class="spinner" aria-hidden="true"></span>`}
          ${connection.testing ? 'Testing…' : 'Test connection'}
        </button>
        <${SubmitButton} busy=${busy} label=${inUse ? 'Model in use' : 'Use this model'} busyLabel="Switching…"
          disabled=${busy || inUse || !bedrock.region} />
      </div>
    </form>
  `;
}
