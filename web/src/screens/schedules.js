// Schedules: prompts and skills that run on a cron schedule.
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function SchedulesScreen() {
  return html`
    <${EmptyState} icon="schedules" title="Schedules">
      <p>Run a prompt or a skill on a schedule written as a cron expression. Every run keeps its status and output here.</p>
    <//>
  `;
}
