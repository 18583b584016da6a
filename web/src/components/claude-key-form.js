// The Anthropic API key: paste it, test it, save it. The key is never shown again: only its hint ("…abcd").
// Used by onboarding's "Connect Claude" and the administrator's AI provider screen.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { keySource, testOutcome } from '../provider/format.js';
import { TestResult } from './test-result.js';

const KEY_HINT = 'From console.anthropic.com → API keys. It is stored encrypted and never shown again.';

/** "…abcd, saved in Sasha Studio": the hint in a monospace face, where it comes from in words. */
export function KeyHint({ anthropic }) {
  const source = keySource(anthropic);
  return html`<span><code class="key-hint">${anthropic.keyHint}</code>${source && `, ${source}`}</span>`;
}

/** The key typed in the field, trimmed ('' when empty). */
const typedKey = (form) => form?.elements.apiKey.value.trim() ?? '';

function useKeyTest(form, canTestStored, onTested) {
  const [testing, setTesting] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const mounted = useRef(true);
  useEffect(() => () => (mounted.current = false), []);

  const test = async (setError) => {
    const key = typedKey(form.current);
    if (!key && !canTestStored) {
      setError('Paste a key to test it.');
      form.current.elements.apiKey.focus();
      return;
    }
    setError(null);
    setOutcome(null);
    setTesting(true);
    try {
      const result = await api.post('/api/setup/test-claude-key', key ? { apiKey: key } : {});
      if (!mounted.current) return;
      setOutcome(testOutcome(result));
      onTested?.(result);
    } catch (err) {
      if (mounted.current) setError(err.message);
    } finally {
      if (mounted.current) setTesting(false);
    }
  };
  return { testing, outcome, setOutcome, test };
}

/**
 * `anthropic`: the status's `anthropic` part (`keyHint`, `keySource`); `onSaved(status)` gets the provider status
 * after a save; `onTested(result)` every test answer. With a stored key, Test on an empty field tests that key.
 */
export function ClaudeKeyForm({ idPrefix = 'claude', anthropic, onSaved, onTested }) {
  const form = useRef(null);
  const [saved, setSaved] = useState(null);
  const stored = Boolean(anthropic?.keyHint);
  const { testing, outcome, setOutcome, test } = useKeyTest(form, stored, onTested);
  const { busy, error, setError, onSubmit } = useSubmit(async (values, element) => {
    const key = (values.apiKey || '').trim();
    if (!key) {
      element.elements.apiKey.focus();
      throw new Error('Paste your Anthropic API key first.');
    }
    setSaved(null);
    const status = await api.post('/api/setup/configure-claude', { apiKey: key });
    element.reset(); // the key leaves the page: only its hint stays
    setOutcome(null);
    setSaved(`Saved. Claude now uses the key ending ${status?.anthropic?.keyHint || 'in the one you pasted'}.`);
    onSaved?.(status);
  });

  const keyId = `${idPrefix}-api-key`;
  return html`
    <form class="form claude-key" ref=${form} onSubmit=${onSubmit}>
      <p class="claude-key-current" id=${`${idPrefix}-key-current`}>
        ${stored ? html`Key in use: <${KeyHint} anthropic=${anthropic} />` : html`<span class="muted">No key saved yet.</span>`}
      </p>
      <div class="field">
        <label for=${keyId}>${stored ? 'Replace the Anthropic API key' : 'Anthropic API key'}</label>
        <input id=${keyId} name="apiKey" type="password" class="input input-mono" autocomplete="off" spellcheck=${false}
          autocapitalize="none" placeholder="sk-ant-…" aria-describedby=${`${keyId}-hint ${idPrefix}-key-current`}
          onInput=${() => setSaved(null)} />
        <p class="hint" id=${`${keyId}-hint`}>${KEY_HINT}</p>
      </div>
      <div class="feedback">
        <${TestResult} id=${`${idPrefix}-key-test`} outcome=${outcome} passedTitle="The key works"
          failedTitle="The key did not work" />
        <div class="flash" role="status" data-tone=${saved ? 'ok' : undefined}>${saved || ''}</div>
        <${FormError} message=${error} />
      </div>
      <div class="form-actions">
        <button type="button" class="button button-secondary" disabled=${testing || busy} onClick=${() => test(setError)}>
          ${testing && html`<span class="spinner" aria-hidden="true"></span>`}
          ${testing ? 'Testing…' : 'Test key'}
        </button>
        <${SubmitButton} busy=${busy} label="Save key" busyLabel="Saving…" />
      </div>
    </form>
  `;
}
