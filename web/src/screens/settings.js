// Settings: your API keys, cloud drives and CLAUDE.md versions.
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function SettingsScreen() {
  return html`
    <${EmptyState} icon="settings" title="Settings">
      <p>Create API keys for integrations, connect cloud drives, and keep versioned copies of CLAUDE.md — the instructions Claude follows in your projects.</p>
    <//>
  `;
}
