// Settings → "AI provider" for everyone: which provider Claude runs on and whether it is configured; for
// administrators, the way to change it and to the company's setup.
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { AI_PROVIDER, ONBOARDING } from '../paths.js';
import { providerName } from '../provider/format.js';
import { Link } from '../router.js';
import { useSetupStatus } from '../setup-status.js';

function CompanySetup({ onboarding }) {
  const done = onboarding?.completed;
  const name = onboarding?.companyName;
  return html`
    <div class="summary-item" id="company-setup">
      <h3><${Icon} name="building" size=${18} /> Company setup</h3>
      <p>${name ? html`<strong>${name}</strong>. ` : ''}${done
        ? 'Setup is complete. Run it again to change the company or to research it again.'
        : 'Not finished: tell Sasha Studio about your company, connect Claude and let it learn about your business.'}</p>
      <p><${Link} href=${ONBOARDING} class="button button-secondary button-small">
        ${done ? 'Open company setup' : 'Continue company setup'}<//></p>
    </div>
  `;
}

export function ProviderSummary({ user }) {
  const { status, error } = useSetupStatus();
  return html`
    <section class="card" aria-labelledby="provider-summary-title">
      <div class="card-header">
        <h2 id="provider-summary-title"><${Icon} name="sparkle" size=${20} /> AI provider</h2>
      </div>
      ${!status && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading…</p>`}
      ${!status && error && html`<p class="callout callout-bad" role="alert">${error}</p>`}
      ${status && html`
        <div class="summary-grid">
          <div class="summary-item" id="provider-summary">
            <h3>Claude runs on ${providerName(status.provider)}</h3>
            <p>
              <span class="status" data-active=${status.configured ? 'true' : 'false'}>
                <span class="status-dot" aria-hidden="true"></span>${status.configured ? 'Configured' : 'Not configured'}
              </span>
              ${!status.configured && (user.isAdmin
                ? ' — chats, skills and schedules cannot run until it is.'
                : ' — chats, skills and schedules cannot run yet: ask your administrator to connect Claude.')}
            </p>
            ${user.isAdmin && html`<p><${Link} href=${AI_PROVIDER} class="button button-secondary button-small">
              Manage the AI provider<//></p>`}
          </div>
          ${user.isAdmin && html`<${CompanySetup} onboarding=${status.onboarding} />`}
        </div>`}
    </section>
  `;
}
