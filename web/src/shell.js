// The shell: header, area navigation, the budget banner, the current screen (or "not allowed"), and the skip link.
import { useEffect, useRef } from 'preact/hooks';
import { BudgetBanner } from './components/budget-banner.js';
import { Header } from './components/header.js';
import { Nav } from './components/nav.js';
import { html } from './html.js';
import { notify } from './notices.js';
import { navigate } from './router.js';
import { HOME, ONBOARDING, match } from './routes.js';
import ForbiddenScreen from './screens/forbidden.js';
import { takeSignIn, useSetupStatus } from './setup-status.js';
import { useRealtimeEvent } from './use-realtime.js';

/** Keeps the document title in step with the screen and, after a navigation, moves focus to its heading. */
function useScreenFocus(path, label, main) {
  const firstRender = useRef(true);
  useEffect(() => {
    document.title = `${label} · Sasha Studio`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.querySelector('h1')?.focus();
  }, [path, label]);
}

/**
 * An administrator who has just signed in (not reloaded) on the home screen goes to onboarding while the company
 * is not set up; finishing or skipping it completes it, so this happens at most until then.
 */
function useOnboardingFirst(user, path) {
  const { status } = useSetupStatus();
  useEffect(() => {
    if (!status || !takeSignIn()) return;
    if (user.isAdmin && status.needsOnboarding && path === HOME && !window.location.search) {
      navigate(ONBOARDING, { replace: true });
    }
  }, [status]);
}

export function Shell({ user, path }) {
  const matched = match(path);
  const allowed = !matched.adminOnly || user.isAdmin;
  const area = allowed ? matched : { path: null, label: 'Not allowed', screen: ForbiddenScreen };
  const main = useRef(null);
  useScreenFocus(path, area.label, main);
  useOnboardingFirst(user, path);
  useRealtimeEvent('error', (event) => {
    if (event.sessionId && area.path === '/chat') return; // the Chat screen shows a session's errors in place
    notify({ message: event.message || 'The server reported an error.', code: event.code || null });
  });

  const skipToContent = (event) => {
    event.preventDefault();
    main.current?.focus();
  };

  return html`
    <a class="skip-link" href="#main" onClick=${skipToContent}>Skip to content</a>
    <div class="shell">
      <${Header} user=${user} />
      <${Nav} current=${area.under ?? area.path} user=${user} />
      <${BudgetBanner} user=${user} />
      <main id="main" class="main" ref=${main} tabindex="-1">
        <${area.screen} path=${path} user=${user} />
      </main>
    </div>
  `;
}
