// A schedule's run history: status, when, duration, tokens, cost, output file (a link to Files, with a preview)
// and error of each run, newest first, refreshed while a run is in progress; "Run now" starts one, and its
// "Started." line becomes the run's outcome once it ends.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { RunStatus, STATUS_LABELS, When, costText, durationText, tokensText } from '../schedules/format.js';
import { useHistory } from '../schedules/runs.js';
import { OutputDisclosure, OutputLink } from './run-output.js';

const TRIGGERS = { schedule: 'On schedule', manual: 'Run now', api_key: 'API' };

/** The line that replaces "Started." once the run it started has ended. */
export function outcomeFlash(run) {
  const label = STATUS_LABELS[run.status] || run.status;
  if (run.status === 'completed') return { tone: 'ok', message: `The run completed${run.outputFile ? ': its output is below' : ''}.` };
  return { tone: 'bad', message: `The run ended: ${label}.${run.error ? ` ${run.error}` : ''}` };
}

export function RunSteps({ steps, projectId }) {
  if (!steps?.length) return null;
  return html`
    <ol class="run-steps" aria-label="Steps">
      ${steps.map((step, index) => html`
        <li key=${index} data-status=${step.status}>
          <span class="run-step-name">${step.name}</span>
          ${step.outputFile && projectId && html`<${OutputLink} projectId=${projectId} path=${step.outputFile}
            label=${step.outputFile.slice(step.outputFile.lastIndexOf('/') + 1)} />`}
          <${RunStatus} status=${step.status} />
          ${step.durationMs != null && html`<span class="muted">${durationText(step.durationMs)}</span>`}
          ${step.error && html`<span class="run-error">${step.error}</span>`}
        </li>`)}
    </ol>
  `;
}

function RunRow({ run, projectId }) {
  return html`
    <tr data-status=${run.status} data-execution=${run.id}>
      <td data-label="Status"><${RunStatus} status=${run.status} /></td>
      <td data-label="When"><${When} value=${run.startedAt} /><div class="muted run-trigger">${TRIGGERS[run.trigger] || run.trigger}</div></td>
      <td data-label="Duration">${durationText(run.durationMs) || html`<span class="muted">—</span>`}</td>
      <td data-label="Tokens">${run.status === 'running' ? html`<span class="muted">—</span>` : tokensText(run)}</td>
      <td data-label="Cost">${run.status === 'running' ? html`<span class="muted">—</span>` : costText(run.costUsd)}</td>
      <td class="cell-wrap" data-label="Output">
        ${run.outputFile
          ? html`<${OutputDisclosure} key=${run.outputFile} projectId=${projectId} path=${run.outputFile} />`
          : html`<span class="muted">None</span>`}
        ${run.error && html`<p class="run-error">${run.error}</p>`}
        <${RunSteps} steps=${run.steps} projectId=${projectId} />
      </td>
    </tr>
  `;
}

export function ScheduleHistory({ schedule, onRunEnded, onClose }) {
  const [starting, setStarting] = useState(false);
  const [flash, setFlash] = useState(null);
  const started = useRef(null); // the execution "Started." speaks of
  const history = useHistory(schedule.id, (run) => {
    if (run.id === started.current) {
      started.current = null;
      setFlash(outcomeFlash(run));
    }
    onRunEnded?.(run);
  });
  const byHand = schedule.kind === 'on_demand';

  const runNow = async () => {
    setStarting(true);
    setFlash(null);
    try {
      const accepted = await api.post(`/api/schedules/${encodeURIComponent(schedule.id)}/run`);
      started.current = accepted.executionId;
      history.expect(accepted.executionId);
      setFlash({
        tone: 'ok',
        message: accepted.started ? 'Started. The run shows below and updates as it goes.' : 'It already ran this minute: that run is shown below.',
      });
    } catch (err) {
      setFlash({ tone: 'bad', message: err.message });
    } finally {
      setStarting(false);
    }
  };

  const { runs, error } = history;
  return html`
    <section class="card" aria-labelledby="history-title">
      <div class="card-header">
        <h2 id="history-title" tabindex="-1">Runs of “${byHand ? schedule.skillName || schedule.name : schedule.name}”</h2>
        <div class="card-actions">
          ${!byHand && html`<button type="button" class="button button-primary" onClick=${runNow} disabled=${starting}>
            ${starting && html`<span class="spinner" aria-hidden="true"></span>`}${starting ? 'Starting…' : 'Run now'}
          </button>`}
          <button type="button" class="button button-secondary" onClick=${onClose}>Close</button>
        </div>
      </div>
      <div class="flash" role="status" data-tone=${flash?.tone}>${flash?.message || ''}</div>
      ${error && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>${error}</p>
          <button type="button" class="button button-small button-secondary" onClick=${history.reload}>Try again</button>
        </div>`}
      ${!runs && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading runs…</p>`}
      ${runs && !runs.length && (byHand
        ? html`<p class="card-empty">No runs kept. Run the skill from the Skills screen.</p>`
        : html`<p class="card-empty">No runs yet. Press <strong>Run now</strong> to try it, or wait for its next run.</p>`)}
      ${runs?.length > 0 && html`
        <div class="table-wrap">
          <table class="table table-stack run-table" aria-describedby="history-title">
            <caption class="sr-only">Runs, newest first</caption>
            <thead>
              <tr><th scope="col">Status</th><th scope="col">When</th><th scope="col">Duration</th>
                <th scope="col">Tokens</th><th scope="col">Cost</th><th scope="col">Output</th></tr>
            </thead>
            <tbody>${runs.map((run) => html`<${RunRow} key=${run.id} run=${run} projectId=${schedule.projectId} />`)}</tbody>
          </table>
        </div>`}
      ${history.nextBefore && html`
        <div class="more">
          <button type="button" class="button button-secondary button-small" onClick=${history.loadMore} disabled=${history.loadingMore}>
            ${history.loadingMore ? 'Loading…' : 'Show older runs'}
          </button>
        </div>`}
      <p class="card-note"><${Icon} name="files" size=${16} /> Outputs are saved in the project’s files.</p>
    </section>
  `;
}
