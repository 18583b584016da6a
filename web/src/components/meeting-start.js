// "Start a meeting": an optional title and project, then the microphone (the browser asks) and a live transcript.
// Only one meeting records at a time in a tab: while one does, this says which and opens it.
import { useState } from 'preact/hooks';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { capture } from '../meetings/capture.js';
import { meetingTitle } from '../meetings/format.js';
import { ProjectSelect } from './project-select.js';

/** `projects` is useProjects(); `recording` the meeting this tab records, if any. */
export function MeetingStart({ projects, recording, onStarted, onOpen }) {
  const [projectId, setProjectId] = useState(null);
  const { busy, error, onSubmit } = useSubmit(async ({ title }) => {
    const meeting = await capture.start({ title: title.trim(), projectId });
    onStarted(meeting);
  });
  return html`
    <section class="card meeting-start" aria-labelledby="meeting-start-title">
      <div class="card-header"><h2 id="meeting-start-title">Start a meeting</h2></div>
      <p class="card-lead">Sasha Studio listens through your microphone and writes a live transcript. Ask for advice
        while it runs; when it ends, Claude lists the decisions, action items and open questions.</p>
      ${recording
        ? html`
          <div class="callout callout-info callout-row">
            <p>“${meetingTitle(recording)}” is being recorded in this tab. Stop it before you start another.</p>
            <button type="button" class="button button-small button-secondary" onClick=${() => onOpen(recording)}>Open it</button>
          </div>`
        : html`
          <form class="form meeting-start-form" onSubmit=${onSubmit}>
            <${Field} id="new-meeting-title" label="Title" optional name="title" maxlength="200" autocomplete="off"
              placeholder="e.g. Weekly planning" />
            <${ProjectSelect} id="meeting-project" className="meeting-project" optional projects=${projects}
              projectId=${projectId} onPick=${setProjectId} />
            <p class="hint">The analysis is saved as a document in the project’s files. Your browser asks to use the
              microphone; without it you can type notes instead.</p>
            <${FormError} message=${error} />
            <div class="form-actions">
              <${SubmitButton} busy=${busy} label="Start meeting" busyLabel="Starting…" />
            </div>
          </form>`}
    </section>
  `;
}
