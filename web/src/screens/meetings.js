// Meetings: meeting transcripts and their analysis.
import { EmptyState } from '../components/empty-state.js';
import { html } from '../html.js';

export default function MeetingsScreen() {
  return html`
    <${EmptyState} icon="meetings" title="Meetings">
      <p>Capture a meeting as a live transcript, ask for advice while it runs, and have Claude analyse it afterwards.</p>
    <//>
  `;
}
