// Git: a project's changes, commits and pushes.
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function GitScreen() {
  return html`
    <${EmptyState} icon="git" title="Git">
      <p>See what changed in a project, review the diffs, commit with a message Claude can draft for you, and push.</p>
    <//>
  `;
}
