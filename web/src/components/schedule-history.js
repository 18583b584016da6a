// A schedule's run history: status, when, duration, tokens, cost, output file and error of each run, newest
// first, refreshed while a run is in progress; "Run now" starts one.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { RunStatus, When, costText, durationText, tokensText } from '../schedules/format.js';
import { useHistory } from '../schedules/runs.js';

const TRIGGERS = { schedule: 'On schedule', manual: 'Run now', api_key: 'API' };

export function RunSteps({ steps }) {
  if (!steps?.length) return null;
  return html`
    <ol class="run-steps" aria-label="Steps">
      ${steps.map((step, index) => html`
        <li key=${index} data-status=${step.status}>
          <span class="run-step-name">${step.name}</span>
          <${RunStatus} status=${step.status} />
          ${step.durationMs != null && html`<span class="muted">${durationText(step.durationMs)}</span>`}
          ${step.error && html`<span class="run-error">${step.error}</span>`}
        </li>`)}
    </ol>
  `;
}

function RunRow({ run }) {
  return html`
    <tr data-status=${run.status} data-execution=${run.id}>
      <td><${RunStatus} status=${run.status} /></td>
      <td><${When} value=${run.startedAt} /><div class="muted run-trigger">${TRIGGERS[run.trigger] || run.trigger}</div></td>
      <td>${durationText(run.durationMs) || html`<span class="muted">—</span>`}</td>
      <td>${run.status === 'running' ? html`<span class="muted">—</span>` : tokensText(run)}</td>
      <td>${run.status === 'running' ? html`<span class="muted">—</span>` : costText(run.costUsd)}</td>
      <td class="cell-wrap">
        ${run.outputFile ? html`<code class="path run-output">${run.outputFile}</code>` : html`<span class="muted">None</span>`}
        ${run.error && html`<p class="run-error">${run.error}</p>`}
        <${RunSteps} steps=${run.steps} />
      </td>
    </tr>
  `;
}

export function ScheduleHistory({ schedule, onRunEnded, onClose }) {
  const history = useHistory(schedule.id, onRunEnded);
  const [starting, setStarting] = useState(false);
  const [flash, setFlash] = useState(null);

  const runNow = async () => {
    setStarting(true);
    setFlash(null);
    try {
      const accepted = await api.post(`/api/schedules/${encodeURIComponent(schedule.id)}/run`);
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
        <h2 id="history-title" tabindex="-1">Runs of “${schedule.name}”</h2>
        <div class="card-actions">
          <button type="button" class="button button-primary" onClick=${runNow} disabled=${starting}>
            ${starting && html`<span class="spinner" aria-hidden="true"></span>`}${starting ? 'Starting…' : 'Run now'}
          </button>
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
      ${runs && !runs.length && html`<p class="card-empty">No runs yet. Press <strong>Run now</strong> to try it, or wait for
        its next run.</p>`}
      ${runs?.length > 0 && html`
        <div class="table-wrap">
          <table class="table run-table" aria-describedby="history-title">
            <caption class="sr-only">Runs, newest first</caption>
            <thead>
              <tr><th scope="col">Status</th><th scope="col">When</th><th scope="col">Duration</th>
                <th scope="col">Tokens</th><th scope="col">Cost</th><th scope="col">Output</th></tr>
            </thead>
            <tbody>${runs.map((run) => html`<${RunRow} key=${run.id} run=${run} />`)}</tbody>
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
