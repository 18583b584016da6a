// After the meeting: Analyze (Claude reads the transcript), the wait while it runs, and the analysis — summary,
// decisions, action items as a checklist with owners and due dates, open questions, the document saved in Files —
// or what failed and the way out: Retry (the transcription) or Analyze again.
import { Markdown } from '../chat/markdown.js';
import { FormError, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { useChecklist } from '../meetings/checklist.js';
import { dueLabel, errorStage } from '../meetings/format.js';
import { Link } from '../router.js';

function documentLink(projectId, path) {
  return `/files?${new URLSearchParams({ project: projectId, path })}`;
}

function TextList({ items, empty, className }) {
  if (!items?.length) return html`<p class="muted">${empty}</p>`;
  return html`<ul class=${className}>${items.map((item, i) => html`<li key=${i}>${item}</li>`)}</ul>`;
}

function ActionItems({ meetingId, items }) {
  const [done, toggle] = useChecklist(meetingId);
  if (!items?.length) return html`<p class="muted">No action items.</p>`;
  return html`
    <ul class="meeting-action-items">
      ${items.map((item, i) => {
        const id = `meeting-action-${i}`;
        const itemKey = `${i}:${item.task}`;
        return html`
          <li key=${itemKey} class="meeting-action-item" data-done=${done.has(itemKey) ? 'true' : 'false'}>
            <input type="checkbox" id=${id} checked=${done.has(itemKey)} onChange=${() => toggle(itemKey)} />
            <label for=${id}>
              <span class="meeting-action-task">${item.task}</span>
              ${(item.owner || item.due) && html`
                <span class="meeting-action-meta">
                  ${item.owner && html`<span class="meeting-action-owner">${item.owner}</span>`}
                  ${item.owner && item.due && ' · '}
                  ${item.due && html`<span class="meeting-action-due">due ${dueLabel(item.due)}</span>`}
                </span>`}
            </label>
          </li>`;
      })}
    </ul>
  `;
}

function AnalysisView({ meeting }) {
  const analysis = meeting.analysis;
  return html`
    <div class="meeting-analysis-view">
      <section aria-labelledby="analysis-summary">
        <h4 id="analysis-summary">Summary</h4>
        ${analysis.summary ? html`<${Markdown} text=${analysis.summary} />` : html`<p class="muted">No summary.</p>`}
      </section>
      <section aria-labelledby="analysis-decisions">
        <h4 id="analysis-decisions">Decisions</h4>
        <${TextList} items=${analysis.decisions} empty="No decisions recorded." className="meeting-decisions" />
      </section>
      <section aria-labelledby="analysis-actions">
        <h4 id="analysis-actions">Action items</h4>
        <${ActionItems} meetingId=${meeting.meetingId} items=${analysis.actionItems} />
      </section>
      <section aria-labelledby="analysis-questions">
        <h4 id="analysis-questions">Open questions</h4>
        <${TextList} items=${analysis.openQuestions} empty="No open questions." className="meeting-questions" />
      </section>
      ${analysis.documentPath && html`
        <p class="meeting-document">
          <${Icon} name="document" size=${18} />
          ${meeting.projectId
            ? html`<${Link} href=${documentLink(meeting.projectId, analysis.documentPath)}>Open the document in Files<//>`
            : 'Saved as'}
          <code class="path">${analysis.documentPath}</code>
        </p>`}
    </div>
  `;
}

function Failure({ meeting, onRetry, onAnalyze }) {
  const transcription = errorStage(meeting) === 'transcription';
  const { busy, error, onSubmit } = useSubmit(() => (transcription ? onRetry() : onAnalyze()));
  return html`
    <form class="meeting-failure" onSubmit=${onSubmit}>
      <div class="callout callout-bad callout-row" role="alert">
        <${Icon} name="alert" size=${18} />
        <p>${transcription ? 'The transcription failed' : 'The analysis failed'}: ${meeting.error || 'no reason was given.'}</p>
        <button type="submit" class="button button-small button-secondary" disabled=${busy}>
          ${busy ? (transcription ? 'Retrying…' : 'Starting…') : transcription ? 'Retry' : 'Analyze again'}
        </button>
      </div>
      <${FormError} message=${error} />
    </form>
  `;
}

export function MeetingAnalysis({ meeting, lineCount, onAnalyze, onRetry }) {
  const { busy, error, onSubmit } = useSubmit(onAnalyze);
  const { status } = meeting;
  const again = status === 'complete';
  return html`
    <section class="card meeting-analysis" aria-labelledby="meeting-analysis-title" data-status=${status}>
      <div class="card-header">
        <h3 id="meeting-analysis-title">Analysis</h3>
        ${(status === 'idle' || again) && html`
          <form onSubmit=${onSubmit}>
            <button type="submit" class=${`button ${again ? 'button-secondary button-small' : ''}`.trim()}
              disabled=${busy || lineCount === 0}>
              ${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Starting…' : again ? 'Analyze again' : 'Analyze'}
            </button>
          </form>`}
      </div>
      <${FormError} message=${error} />
      ${status === 'idle' && html`<p class="card-lead">${lineCount
        ? 'Claude reads the transcript and lists the decisions, action items and open questions.'
        : 'The transcript is empty: there is nothing to analyse.'}</p>`}
      ${status === 'analyzing' && html`
        <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Claude is analysing the meeting…</p>`}
      ${status === 'error' && html`<${Failure} meeting=${meeting} onRetry=${onRetry} onAnalyze=${onAnalyze} />`}
      ${meeting.analysis && (status === 'complete' || status === 'error') && html`<${AnalysisView} meeting=${meeting} />`}
    </section>
  `;
}
