// Files: a project's documents, uploaded or written by Claude.
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function FilesScreen() {
  return html`
    <${EmptyState} icon="files" title="Files">
      <p>Upload documents to a project and browse its files. Word documents are converted to Markdown so Claude can read them.</p>
    <//>
  `;
}
