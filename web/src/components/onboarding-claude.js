// Onboarding, step 2: the Anthropic API key Claude runs with. Test it, save it (only its hint stays), or skip:
// without a key the workspace runs in limited mode until an administrator adds one.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { AI_PROVIDER } from '../paths.js';
import { Link } from '../router.js';
import { ClaudeKeyForm } from './claude-key-form.js';

/** The provider's status (GET /api/admin/ai-provider) for the key hint; null while loading or when refused. */
function useProviderStatus() {
  const [status, setStatus] = useState(null);
  useEffect(() => {
    let live = true;
    api.get('/api/admin/ai-provider').then((answer) => live && setStatus(answer), () => {});
    return () => (live = false);
  }, []);
  return [status, setStatus];
}

/** `configured`, `provider`: from the setup status; `onSaved()` after a key was saved; `onNext()`, `onSkip()`. */
export function OnboardingClaude({ configured, provider, onSaved, onNext, onSkip }) {
  const [status, setStatus] = useProviderStatus();
  const ready = status?.configured ?? configured;
  const saved = (next) => {
    setStatus(next);
    onSaved?.(next);
  };

  if ((status?.provider ?? provider) === 'bedrock' && ready) {
    return html`
      <div class="onboarding-form">
        <p class="callout callout-info callout-row"><${Icon} name="cloud" size=${18} />
          <span>Claude runs through Amazon Bedrock in this workspace, so there is no key to add here. Change it in
            <${Link} href=${AI_PROVIDER}>Admin → AI provider<//>.</span></p>
        <div class="form-actions onboarding-actions">
          <button type="button" class="button button-primary" onClick=${onNext}>Continue</button>
        </div>
      </div>`;
  }
  return html`
    <div class="onboarding-form">
      <p class="card-lead">Sasha Studio talks to Claude with your company’s Anthropic API key. Paste it, test it, and
        save it. Without one, Sasha Studio runs in limited mode: chats, skills and schedules cannot reach Claude until
        a key is added.</p>
      <${ClaudeKeyForm} idPrefix="onboarding" anthropic=${status?.anthropic} onSaved=${saved} />
      <div class="form-actions onboarding-actions">
        ${ready
          ? html`<button type="button" class="button button-primary" onClick=${onNext}>Continue <${Icon} name="arrow" size=${16} /></button>`
          : html`<button type="button" class="button button-secondary" onClick=${onSkip}>Skip for now</button>`}
      </div>
    </div>
  `;
}
