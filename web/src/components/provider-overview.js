// The AI provider in use, at a glance: which one, whether it can run, the model, the credentials' hints, the last
// test and the last change.
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { providerName, testOutcome } from '../provider/format.js';
import { KeyHint } from './claude-key-form.js';

function LastTest({ test }) {
  const outcome = testOutcome(test);
  if (!outcome || outcome.passed === null) return html`<span class="muted">Not tested yet</span>`;
  return html`
    <span class="run-status" data-status=${outcome.passed ? 'completed' : 'failed'}>
      <span class="status-dot" aria-hidden="true"></span>${outcome.passed ? 'Passed' : 'Failed'}
    </span>
    ${outcome.provider && html` <span class="muted">(${providerName(outcome.provider)})</span>`}
    ${outcome.testedAt && html` · <${DateText} value=${outcome.testedAt} ago />`}
    ${outcome.message && html`<p class="test-result-message">${outcome.message}</p>`}
  `;
}

function Credentials({ status }) {
  if (status.provider === 'bedrock') {
    const { bedrock } = status;
    const who = bedrock.useTaskRole ? 'the runner’s task role' : bedrock.accessKeyHint ? `access key ${bedrock.accessKeyHint}` : null;
    return html`${bedrock.region || html`<span class="muted">No region</span>`}${who && ` · ${who}`}`;
  }
  return status.anthropic?.keyHint ? html`<${KeyHint} anthropic=${status.anthropic} />` : html`<span class="muted">No key</span>`;
}

/** `updatedBy` (a user id) as a person reads it: "you", a username, or "another administrator". */
function who(userId, me, names) {
  if (userId === me?.id) return 'you';
  return names?.get(userId) ?? 'another administrator';
}

/** `names`: user id → username (null while unknown); `me`: the signed-in user. */
export function ProviderOverview({ status, me, names }) {
  return html`
    <section class="card" aria-labelledby="provider-overview-title">
      <div class="card-header">
        <h2 id="provider-overview-title"><${Icon} name="sparkle" size=${20} /> In use</h2>
        <span class="status" data-active=${status.configured ? 'true' : 'false'}>
          <span class="status-dot" aria-hidden="true"></span>${status.configured ? 'Configured' : 'Not configured'}
        </span>
      </div>
      ${!status.configured && html`<p class="callout callout-row"><${Icon} name="alert" size=${18} />
        <span>Claude is not configured: chats, skills and schedules cannot run. Add an Anthropic key or set up Amazon
          Bedrock below.</span></p>`}
      <dl class="facts" id="provider-facts">
        <div><dt>Provider</dt><dd data-fact="provider">${providerName(status.provider)}</dd></div>
        <div><dt>Model</dt><dd data-fact="model">${status.model || html`<span class="muted">The default model</span>`}</dd></div>
        <div><dt>${status.provider === 'bedrock' ? 'Region and credentials' : 'API key'}</dt>
          <dd data-fact="credentials"><${Credentials} status=${status} /></dd></div>
        <div><dt>Last test</dt><dd data-fact="test"><${LastTest} test=${status.test} /></dd></div>
        <div><dt>Last changed</dt><dd data-fact="updated">
          <${DateText} value=${status.updatedAt} ago empty="Never" />${status.updatedAt && status.updatedBy && ` by ${who(status.updatedBy, me, names)}`}</dd></div>
      </dl>
    </section>
  `;
}
