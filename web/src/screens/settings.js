// Settings: the AI provider in use (and, for administrators, the company's setup), your account, your API keys, and
// your personas and guides (cloud drives and CLAUDE.md versions come later).
import { AccountSettings } from '../components/account-settings.js';
import { ApiKeys } from '../components/api-keys.js';
import { PromptLibrary } from '../components/prompt-library.js';
import { ProviderSummary } from '../components/provider-summary.js';
import { html } from '../html.js';

export default function SettingsScreen({ user }) {
  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Settings</h1>
        <p class="page-lead">The AI provider Claude runs on, your account, the API keys your integrations use, and the
          personas and guides your chats apply. Cloud drives and versioned copies of CLAUDE.md will live here too.</p>
      </header>
      <${ProviderSummary} user=${user} />
      <${AccountSettings} user=${user} />
      <${ApiKeys} />
      <${PromptLibrary} />
    </div>
  `;
}
