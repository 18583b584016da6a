// The shell: header, area navigation, the current screen, and the notice stack.
import { useEffect, useRef } from 'preact/hooks';
import { Header } from './components/header.js';
import { Nav } from './components/nav.js';
import { NoticeList } from './components/notice-list.js';
import { html } from './html.js';
import { notify } from './notices.js';
import { usePath } from './router.js';
import { match } from './routes.js';
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
  }, [path]);
}

export function App() {
  const path = usePath();
  const area = match(path);
  const main = useRef(null);
  useScreenFocus(path, area.label, main);
  useRealtimeEvent('error', (event) =>
    notify({ message: event.message || 'The server reported an error.', code: event.code || null }),
  );

  const skipToContent = (event) => {
    event.preventDefault();
    main.current?.focus();
  };

  return html`
    <a class="skip-link" href="#main" onClick=${skipToContent}>Skip to content</a>
    <div class="shell">
      <${Header} />
      <${Nav} current=${area.path} />
      <main id="main" class="main" ref=${main} tabindex="-1">
        <${area.screen} path=${path} />
      </main>
    </div>
    <${NoticeList} />
  `;
}
