// Onboarding, step 3: Claude researches the company and writes what it learns into the company's project. The
// progress and the documents show as they arrive; a failed run can be retried; Finish (or Skip) completes setup.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { FormError } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { useResearch } from '../onboarding/research.js';
import { Link } from '../router.js';

const fileLink = (projectId, path) =>
  `/files?${new URLSearchParams({ project: projectId, path: String(path || '').replace(/^\/+/, '') })}`;

const HEADINGS = {
  idle: 'Ready when you are',
  running: 'Researching…',
  completed: 'Research finished',
  failed: 'The research stopped',
};

function Progress({ steps, phase }) {
  if (!steps.length && phase !== 'running') return null;
  return html`
    <ol class="research-steps" aria-label="Progress">
      ${steps.map((step) => html`<li key=${step.seq}><${Icon} name="check" size=${14} /> ${step.text}</li>`)}
      ${phase === 'running' && html`<li class="research-working"><span class="spinner" aria-hidden="true"></span>
        ${steps.length ? 'Working…' : 'Starting the research…'}</li>`}
    </ol>
  `;
}

function Documents({ documents, projectId }) {
  return html`
    <section class="research-documents" aria-labelledby="research-documents-title">
      <h3 id="research-documents-title">Documents <span class="count">${documents.length}</span></h3>
      ${documents.length
        ? html`<ul>
            ${documents.map((doc) => html`
              <li key=${doc.id}>
                <${Icon} name="document" size=${16} />
                ${doc.path
                  ? html`<${Link} href=${fileLink(projectId, doc.path)}>${doc.title}<//>`
                  : html`<span>${doc.title}</span>`}
                ${doc.path && html`<span class="research-path">${doc.path}</span>`}
              </li>`)}
          </ul>`
        : html`<p class="muted">Documents appear here as Claude writes them.</p>`}
    </section>
  `;
}

/**
 * `profile`: the company profile (or null when step 1 was skipped); `configured`: whether Claude can run;
 * `onPhase(phase)` whenever the research's phase changes.
 */
export function OnboardingResearch({ profile, configured, onBack, onFinish, onPhase }) {
  const projectId = profile?.projectId ?? null;
  const research = useResearch(profile);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState(null);
  const [finishing, setFinishing] = useState(null); // 'finish' | 'skip'

  const start = async () => {
    setError(null);
    setStarting(true);
    try {
      await research.start();
    } catch (err) {
      setError(err.message);
    } finally {
      setStarting(false);
    }
  };
  const finish = async (how) => {
    setError(null);
    setFinishing(how);
    try {
      // Skipping a research that is not running (or failed) says so, so it is not offered again as pending.
      if (how === 'skip' && projectId && (research.phase === 'idle' || research.phase === 'failed')) {
        await api.post(`/api/profile/organization/research/${encodeURIComponent(projectId)}/skip`);
      }
      await onFinish();
    } catch (err) {
      setError(err.message);
      setFinishing(null);
    }
  };

  const phase = research.phase;
  useEffect(() => onPhase?.(phase), [phase]);
  const canStart = Boolean(projectId) && configured && (phase === 'idle' || phase === 'failed');
  const who = profile?.name || profile?.website || 'your company';
  return html`
    <div class="onboarding-form">
      <p class="card-lead">Claude reads what is public about ${who} and writes a few short documents — what you do,
        your products, your market — into the company’s project, so every chat starts from them.</p>
      ${!projectId && html`<p class="callout callout-row"><${Icon} name="alert" size=${18} />
        <span>Research needs your company’s name or website.
          <button type="button" class="link-button" onClick=${onBack}>Go back to step 1</button> or finish now.</span></p>`}
      ${projectId && !configured && phase === 'idle' && html`<p class="callout callout-row"><${Icon} name="alert" size=${18} />
        <span>Claude is not connected yet, so it cannot research.
          <button type="button" class="link-button" onClick=${onBack}>Connect Claude</button> first, or finish and run it
          later from Settings → Company setup.</span></p>`}
      ${projectId && html`
        <section class="research" data-phase=${phase} aria-labelledby="research-title">
          <h3 id="research-title" class="research-title">${HEADINGS[phase]}</h3>
          <div role="status" class="research-live">
            ${phase === 'completed' && html`<p>Claude finished learning about ${who}: ${research.documents.length === 1
              ? '1 document is' : `${research.documents.length} documents are`} in the project.</p>`}
          </div>
          ${phase === 'failed' && html`
            <div class="callout callout-bad callout-row" role="alert">
              <p>${research.error || profile?.researchError || 'The research stopped before it finished.'}</p>
            </div>`}
          ${research.live && phase === 'running' && html`<p class="hint">Live updates paused (${research.live}); trying again…</p>`}
          <${Progress} steps=${research.steps} phase=${phase} />
          ${(phase === 'running' || research.documents.length > 0) && html`<${Documents} documents=${research.documents}
            projectId=${projectId} />`}
          ${canStart && html`
            <div class="form-actions">
              <button type="button" class="button ${phase === 'failed' ? 'button-secondary' : 'button-primary'}"
                disabled=${starting} onClick=${start}>
                ${starting && html`<span class="spinner" aria-hidden="true"></span>`}
                ${starting ? 'Starting…' : phase === 'failed' ? 'Retry' : 'Start research'}
              </button>
            </div>`}
        </section>`}
      <${FormError} message=${error} />
      ${phase === 'running' && html`<p class="hint">You can finish now: the research goes on, and its documents land in the
        project.</p>`}
      <div class="form-actions onboarding-actions">
        ${phase !== 'completed' && html`<button type="button" class="button button-secondary" disabled=${Boolean(finishing)}
          onClick=${() => finish('skip')}>${finishing === 'skip' ? 'Finishing…' : 'Skip for now'}</button>`}
        <button type="button" class="button button-primary" disabled=${Boolean(finishing)} onClick=${() => finish('finish')}>
          ${finishing === 'finish' && html`<span class="spinner" aria-hidden="true"></span>`}
          ${finishing === 'finish' ? 'Finishing…' : 'Finish'}
        </button>
      </div>
    </div>
  `;
}
