// Onboarding (/onboarding): three skippable steps — the company, Claude's key, live learning — that open where the
// administrator left off (from the server's state), and complete with Finish or the last Skip.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { OnboardingClaude } from '../components/onboarding-claude.js';
import { OnboardingCompany } from '../components/onboarding-company.js';
import { OnboardingResearch } from '../components/onboarding-research.js';
import { OnboardingSteps, STEPS } from '../components/onboarding-steps.js';
import { html } from '../html.js';
import { HOME } from '../paths.js';
import { navigate } from '../router.js';
import { getSetupStatus, refreshSetupStatus } from '../setup-status.js';

const COMPANY = 0;
const CLAUDE = 1;
const RESEARCH = 2;

/** The company profile, or null when there is none yet (asked only when the status says there is one). */
async function loadProfile(status) {
  if (!status?.onboarding?.profileExists) return null;
  try {
    return await api.get('/api/profile/organization');
  } catch (err) {
    if (err.status === 404) return null; // deleted meanwhile
    throw err;
  }
}

/** Where the administrator left off: no company yet → 1; a research run → 3; no Claude yet → 2; else 3. */
export function resumeStep(status, profile) {
  if (!profile) return COMPANY;
  if (profile.researchStatus && profile.researchStatus !== 'pending') return RESEARCH;
  return status?.configured ? RESEARCH : CLAUDE;
}

function stepStates(status, profile, skipped) {
  return [
    profile ? 'done' : skipped[COMPANY] && 'skipped',
    status?.configured ? 'done' : skipped[CLAUDE] && 'skipped',
    profile?.researchStatus === 'completed' ? 'done' : undefined,
  ];
}

function useOnboarding() {
  const [state, setState] = useState({ status: null, profile: null, error: null, loading: true });
  const load = () => {
    setState((s) => ({ ...s, error: null, loading: true }));
    refreshSetupStatus()
      .then(async (status) => {
        if (!status) throw new Error(getSetupStatus().error || 'The setup status could not be loaded.');
        setState({ status, profile: await loadProfile(status), error: null, loading: false });
      })
      .catch((err) => setState((s) => ({ ...s, error: err.message, loading: false })));
  };
  useEffect(load, []);
  return [state, setState, load];
}

export default function OnboardingScreen() {
  const [{ status, profile, error, loading }, setState, load] = useOnboarding();
  const [step, setStep] = useState(null);
  const [skipped, setSkipped] = useState({});
  const title = useRef(null);
  useEffect(() => {
    if (!loading && status && step === null) setStep(resumeStep(status, profile));
  }, [loading]);

  const go = (next) => {
    setStep(next);
    requestAnimationFrame(() => title.current?.focus());
  };
  const skip = (current) => {
    setSkipped((s) => ({ ...s, [current]: true }));
    go(current + 1);
  };
  const companySaved = (saved) => {
    setState((s) => ({ ...s, profile: saved }));
    refreshSetupStatus().then((next) => next && setState((s) => ({ ...s, status: next })));
    go(CLAUDE);
  };
  const researchPhase = (phase) => {
    const researchStatus = { running: 'researching', completed: 'completed', failed: 'failed' }[phase];
    if (researchStatus) setState((s) => (s.profile ? { ...s, profile: { ...s.profile, researchStatus } } : s));
  };
  const keySaved = () => refreshSetupStatus().then((next) => next && setState((s) => ({ ...s, status: next })));
  const finish = async () => {
    await api.post('/api/profile/onboarding/complete');
    await refreshSetupStatus();
    navigate(HOME);
  };

  return html`
    <div class="page onboarding">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Set up Sasha Studio</h1>
        <p class="page-lead">Three short steps to make Claude useful for your company. Skip any of them: you can come
          back to them from Settings → Company setup.</p>
      </header>
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${load}>Try again</button>
        </div>`}
      ${loading && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading your setup…</p>`}
      ${!loading && step !== null && html`
        <${OnboardingSteps} current=${step} states=${stepStates(status, profile, skipped)} onPick=${go} />
        <section class="card onboarding-step" aria-labelledby="step-title">
          <div class="card-header">
            <h2 id="step-title" ref=${title} tabindex="-1">
              <span class="step-count">Step ${step + 1} of ${STEPS.length}</span> ${STEPS[step]}
            </h2>
          </div>
          ${step === COMPANY && html`<${OnboardingCompany} profile=${profile} onDone=${companySaved} onSkip=${() => skip(COMPANY)} />`}
          ${step === CLAUDE && html`<${OnboardingClaude} configured=${Boolean(status?.configured)} provider=${status?.provider}
            onSaved=${keySaved} onNext=${() => go(RESEARCH)} onSkip=${() => skip(CLAUDE)} />`}
          ${step === RESEARCH && html`<${OnboardingResearch} key=${profile?.projectId || 'none'} profile=${profile}
            configured=${Boolean(status?.configured)} onBack=${() => go(profile ? CLAUDE : COMPANY)} onFinish=${finish}
            onPhase=${researchPhase} />`}
        </section>`}
    </div>
  `;
}
