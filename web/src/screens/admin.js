// Admin: users and the AI provider (administrators).
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function AdminScreen() {
  return html`
    <${EmptyState} icon="admin" title="Admin">
      <p>Manage who can use this workspace and choose the AI provider Claude runs on: the Anthropic API or Amazon Bedrock.</p>
    <//>
  `;
}
