// A skill's run as it happens: polled until it completes, fails or times out; then its output file, duration,
// tokens and cost, the output as a link to Files and a preview of its first lines. A workflow shows each step.
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { RunStatus, costText, durationText, isFinished, tokensText } from '../schedules/format.js';
import { usePolledRun } from '../schedules/runs.js';
import { OutputLink, OutputPreview } from './run-output.js';
import { RunSteps } from './schedule-history.js';

export function SkillRun({ name, projectId, pollUrl, onEnded, onDismiss }) {
  const { run, error } = usePolledRun(pollUrl);
  const heading = useRef(null);
  const ended = useRef(false);
  useEffect(() => heading.current?.focus(), [pollUrl]);
  useEffect(() => {
    if (run && isFinished(run.status) && !ended.current) {
      ended.current = true;
      onEnded?.(run);
    }
  }, [run?.status]);
  const status = run?.status || 'running';
  return html`
    <section class="skill-run" aria-labelledby="skill-run-title" data-status=${status}>
      <div class="card-header">
        <h3 id="skill-run-title" ref=${heading} tabindex="-1"><${Icon} name="skills" size=${18} /> Run of ${name}</h3>
        <button type="button" class="icon-button" aria-label="Dismiss the run" onClick=${onDismiss}><${Icon} name="close" size=${18} /></button>
      </div>
      <div role="status"><${RunStatus} status=${status} /></div>
      ${error && html`<p class="run-error" role="alert">${error}</p>`}
      ${run && html`
        <dl>
          ${run.durationMs != null && html`<dt>Duration</dt><dd>${durationText(run.durationMs)}</dd>`}
          ${isFinished(run.status) && html`<dt>Tokens</dt><dd>${tokensText(run)}</dd><dt>Cost</dt><dd>${costText(run.costUsd)}</dd>`}
          ${run.outputFile && !isFinished(run.status) && html`<dt>Output</dt><dd><${OutputLink} projectId=${projectId} path=${run.outputFile} /></dd>`}
          ${run.error && html`<dt>Error</dt><dd class="run-error">${run.error}</dd>`}
        </dl>
        <${RunSteps} steps=${run.steps} projectId=${projectId} />
        ${run.outputFile && isFinished(run.status) && html`
          <h4 class="run-output-title">Output</h4>
          <${OutputPreview} key=${run.outputFile} projectId=${projectId} path=${run.outputFile} />`}`}
    </section>
  `;
}
