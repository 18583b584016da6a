// Settings: the AI provider in use (and, for administrators, the company's setup), your account, your API keys, and
// your personas and guides, with pointers to what lives elsewhere: Rules (CLAUDE.md) and the Admin sections.
// Settings → Cloud drives is its own screen (screens/settings-drives.js).
import { AccountSettings } from '../components/account-settings.js';
import { ApiKeys } from '../components/api-keys.js';
import { PromptLibrary } from '../components/prompt-library.js';
import { ProviderSummary } from '../components/provider-summary.js';
import { SettingsTabs } from '../components/settings-tabs.js';
import { html } from '../html.js';
import { ADMIN_CHAT, AI_PROVIDER, ONBOARDING, RULES } from '../paths.js';
import { Link } from '../router.js';

export default function SettingsScreen({ user }) {
  return html`
    <div class="page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Settings</h1>
        <p class="page-lead">The AI provider Claude runs on, your account, the API keys your integrations use, and the
          personas and guides your chats apply.</p>
        <p class="page-lead" id="settings-elsewhere">The rules Claude follows (your CLAUDE.md and each project’s, with
          their history) are in <${Link} href=${RULES}>Rules<//>.${user.isAdmin && html` The AI provider is managed in
          <${Link} href=${AI_PROVIDER}>Admin → AI provider<//>, the permission modes chats may use in
          <${Link} href=${ADMIN_CHAT}>Admin → Chat<//>, and the company in <${Link} href=${ONBOARDING}>Company setup<//>.`}</p>
        <${SettingsTabs} current="/settings" />
      </header>
      <${ProviderSummary} user=${user} />
      <${AccountSettings} user=${user} />
      <${ApiKeys} />
      <${PromptLibrary} />
    </div>
  `;
}
