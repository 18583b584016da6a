// Chat: conversations with Claude inside a project.
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function ChatScreen() {
  return html`
    <${EmptyState} icon="chat" title="Chat">
      <p>Chat with Claude in a project: Claude reads and writes the project’s files and streams its answer as it works. Pick a project to start.</p>
    <//>
  `;
}
