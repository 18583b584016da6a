// Limited mode: while Claude is not configured (GET /api/setup/status), chats, skills and schedules say so up
// front instead of failing after the fact. Administrators get the way to fix it; others, whom to ask.
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { AI_PROVIDER, ONBOARDING } from '../paths.js';
import { Link } from '../router.js';
import { useSetupStatus } from '../setup-status.js';

export function LimitedModeBanner({ user, compact = false }) {
  const { status } = useSetupStatus();
  if (!status || status.configured) return null;
  const admin = user?.isAdmin ?? status.isAdmin;
  return html`
    <div class=${`limited-mode${compact ? ' limited-mode-compact' : ''}`} id="limited-mode" role="status">
      <${Icon} name="alert" size=${18} />
      <p>
        <strong>Claude is not configured yet.</strong>${' '}
        ${admin
          ? html`Chats, skills and schedules cannot reach Claude until you add an Anthropic key or set up Amazon
              Bedrock in <${Link} href=${AI_PROVIDER}>Admin → AI provider<//>${status.needsOnboarding
                ? html` (or in <${Link} href=${ONBOARDING}>Company setup<//>)` : ''}.`
          : html`Chats, skills and schedules cannot reach Claude yet: ask your administrator to connect it.`}
      </p>
    </div>
  `;
}
