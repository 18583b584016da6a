// Skills: reusable instructions Claude can run.
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function SkillsScreen() {
  return html`
    <${EmptyState} icon="skills" title="Skills">
      <p>Run skills — reusable instructions kept as SKILL.md files in a project — on demand, or put one on a schedule.</p>
    <//>
  `;
}
