// Settings: your account, your API keys, and your personas and guides (cloud drives and CLAUDE.md versions come
// later).
import { AccountSettings } from '../components/account-settings.js';
import { ApiKeys } from '../components/api-keys.js';
import { PromptLibrary } from '../components/prompt-library.js';
import { html } from '../html.js';

export default function SettingsScreen({ user }) {
  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Settings</h1>
        <p class="page-lead">Your account, the API keys your integrations use, and the personas and guides your chats
          apply. Cloud drives and versioned copies of CLAUDE.md will live here too.</p>
      </header>
      <${AccountSettings} user=${user} />
      <${ApiKeys} />
      <${PromptLibrary} />
    </div>
  `;
}
