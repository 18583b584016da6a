// The schedule editor: name, project, what runs (a prompt or one of the project's skills), the cron expression
// with presets and the server's preview of the next runs, time zone, timeout and whether it is on.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Checkbox, Field, FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { PRESETS, timeZones, useCronPreview } from '../schedules/cron.js';
import { cronWords } from '../schedules/describe.js';
import { BROWSER_ZONE, relativeWords, whenText } from '../schedules/format.js';

const DEFAULT_TIMEOUT_MINUTES = 5;
const MAX_TIMEOUT_MINUTES = 60;

/** The skills of `projectId` for the skill picker: `{ skills (null while loading), error }`. */
function useSkillNames(projectId, wanted) {
  const [state, setState] = useState({ skills: null, error: null });
  useEffect(() => {
    if (!projectId || !wanted) return undefined;
    let stale = false;
    setState({ skills: null, error: null });
    api.get(`/api/skills?projectId=${encodeURIComponent(projectId)}`).then(
      (list) => !stale && setState({ skills: list, error: null }),
      (err) => !stale && setState({ skills: null, error: err.message }),
    );
    return () => (stale = true);
  }, [projectId, wanted]);
  return state;
}

function CronPreview({ preview, timezone }) {
  const otherZone = timezone !== BROWSER_ZONE;
  if (preview.state === 'idle') return html`<p class="hint">Type an expression or pick a preset to see when it runs.</p>`;
  if (preview.state === 'invalid') {
    return html`<p class="cron-invalid" id="schedule-cron-error">${preview.error}</p>`;
  }
  return html`
    <div class="cron-preview" aria-busy=${preview.state === 'loading' ? 'true' : 'false'}>
      <p class="cron-preview-title">Next runs <span class="muted">(your time${otherZone ? `, ${BROWSER_ZONE}` : ''})</span>
        ${preview.state === 'loading' && html` <span class="spinner" aria-hidden="true"></span>`}</p>
      <ol class="cron-runs" aria-label="Next runs">
        ${preview.runs.map((run) => {
          const date = new Date(run.utc);
          return html`<li key=${run.utc}>
            <time datetime=${run.utc}>${whenText(date)}</time>
            <span class="muted"> · ${relativeWords(date)}${otherZone ? ` · ${run.local.slice(11, 16)} in ${timezone}` : ''}</span>
          </li>`;
        })}
      </ol>
    </div>
  `;
}

export function ScheduleEditor({ schedule, projects, projectId: initialProject, onSaved, onCancel }) {
  const editing = Boolean(schedule);
  const [projectId, setProjectId] = useState(schedule?.projectId || initialProject || projects[0]?.id || '');
  const [mode, setMode] = useState(schedule?.skillName ? 'skill' : 'prompt');
  const [skillName, setSkillName] = useState(schedule?.skillName || '');
  const [cron, setCron] = useState(schedule?.cron || '');
  const [timezone, setTimezone] = useState(schedule?.timezone || BROWSER_ZONE);
  const zones = useMemo(() => timeZones(schedule?.timezone), [schedule?.timezone]);
  const preview = useCronPreview(cron, timezone);
  const skills = useSkillNames(projectId, mode === 'skill');
  const nameRef = useAutoFocus();
  const writable = projects.filter((p) => p.canWrite || p.id === schedule?.projectId);

  const { busy, error, setError, onSubmit } = useSubmit(async (values) => {
    const body = {
      name: values.name.trim(),
      cron: cron.trim(),
      timezone,
      timeoutSeconds: Math.round(Number(values.timeoutMinutes) * 60),
      enabled: values.enabled === 'on',
      prompt: mode === 'prompt' ? values.prompt : null,
      skillName: mode === 'skill' ? values.skillName || null : null,
    };
    if (editing) {
      onSaved(await api.patch(`/api/schedules/${encodeURIComponent(schedule.id)}`, body), false);
    } else {
      if (!body.prompt) delete body.prompt;
      if (!body.skillName) delete body.skillName;
      onSaved(await api.post('/api/schedules', { ...body, projectId }), true);
    }
  });

  const invalid = preview.state === 'invalid';
  // A refusal shown under the form is out of date once the expression it was about is valid again.
  const refusedCron = useRef(null);
  useEffect(() => {
    if (error) refusedCron.current = cron.trim();
  }, [error]);
  useEffect(() => {
    if (error && preview.state === 'ok' && cron.trim() !== refusedCron.current) setError(null);
  }, [preview.state, cron]);
  const words = cronWords(cron);
  return html`
    <section class="card" aria-labelledby="schedule-editor-title">
      <div class="card-header">
        <h2 id="schedule-editor-title" tabindex="-1">${editing ? `Edit “${schedule.name}”` : 'New schedule'}</h2>
      </div>
      <form class="form schedule-form" onSubmit=${onSubmit}>
        <div class="form-inline-fields">
          <${Field} id="schedule-name" label="Name" name="name" required maxlength="100" autocomplete="off"
            inputRef=${nameRef} defaultValue=${schedule?.name || ''} hint="What it does, e.g. “Morning digest”." />
          <div class="field">
            <label for="schedule-project">Project</label>
            <select id="schedule-project" class="input" value=${projectId} disabled=${editing} required
              aria-describedby="schedule-project-hint" onChange=${(e) => setProjectId(e.currentTarget.value)}>
              ${writable.map((p) => html`<option key=${p.id} value=${p.id}>${p.name}</option>`)}
            </select>
            <p class="hint" id="schedule-project-hint">${editing
              ? 'A schedule stays in its project; create a new one to run elsewhere.'
              : 'Runs work in this project’s files; outputs are saved there.'}</p>
          </div>
        </div>

        <fieldset class="fieldset">
          <legend>What runs</legend>
          <div class="segmented">
            <label><input type="radio" name="mode" value="prompt" checked=${mode === 'prompt'}
              onChange=${() => setMode('prompt')} /> A prompt</label>
            <label><input type="radio" name="mode" value="skill" checked=${mode === 'skill'}
              onChange=${() => setMode('skill')} /> A skill</label>
          </div>
          ${mode === 'prompt'
            ? html`<div class="field">
                <label for="schedule-prompt">Prompt</label>
                <textarea id="schedule-prompt" class="input textarea" name="prompt" rows="4" required
                  maxlength="20000" aria-describedby="schedule-prompt-hint" defaultValue=${schedule?.prompt || ''}></textarea>
                <p class="hint" id="schedule-prompt-hint">What Claude should do on each run. Nobody is there to answer questions.</p>
              </div>`
            : html`<div class="field">
                <label for="schedule-skill">Skill</label>
                ${skills.error && html`<p class="cron-invalid">${skills.error}</p>`}
                ${!skills.skills && !skills.error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading skills…</p>`}
                ${skills.skills && (skills.skills.length
                  ? html`<select id="schedule-skill" class="input" name="skillName" required value=${skillName}
                      onChange=${(e) => setSkillName(e.currentTarget.value)}>
                      <option value="">Choose a skill</option>
                      ${skills.skills.map((s) => html`<option key=${s.name} value=${s.name}>${s.title || s.name}${s.description ? ` — ${s.description}` : ''}</option>`)}
                    </select>`
                  : html`<p class="hint">This project has no skills yet. Create one on the Skills screen, or run a prompt.</p>`)}
              </div>`}
        </fieldset>

        <fieldset class="fieldset">
          <legend>When</legend>
          <div class="cron-presets" role="group" aria-label="Presets">
            ${PRESETS.map((preset) => html`<button type="button" key=${preset.cron} class="button button-small button-secondary"
              aria-pressed=${cron.trim() === preset.cron ? 'true' : 'false'} onClick=${() => setCron(preset.cron)}>${preset.label}</button>`)}
          </div>
          <div class="form-inline-fields">
            <div class="field">
              <label for="schedule-cron">Cron expression</label>
              <input id="schedule-cron" class="input input-mono" name="cron" required autocomplete="off" spellcheck="false"
                placeholder="0 9 * * 1-5" value=${cron} onInput=${(e) => setCron(e.currentTarget.value)}
                aria-invalid=${invalid ? 'true' : 'false'}
                aria-describedby=${invalid ? 'schedule-cron-words schedule-cron-hint schedule-cron-error' : 'schedule-cron-words schedule-cron-hint'} />
              <p class="cron-words" id="schedule-cron-words" aria-live="polite">${words && !invalid ? words : ''}</p>
              <p class="hint" id="schedule-cron-hint">Minute, hour, day of month, month, day of week — e.g. <code>30 7 * * 1-5</code> is 7:30 on weekdays.</p>
            </div>
            <div class="field">
              <label for="schedule-timezone">Time zone</label>
              <select id="schedule-timezone" class="input" value=${timezone} onChange=${(e) => setTimezone(e.currentTarget.value)}>
                ${zones.map((zone) => html`<option key=${zone} value=${zone}>${zone === BROWSER_ZONE ? `${zone} (yours)` : zone}</option>`)}
              </select>
              <p class="hint">The cron expression is read in this zone.</p>
            </div>
          </div>
          <div aria-live="polite"><${CronPreview} preview=${preview} timezone=${timezone} /></div>
        </fieldset>

        <div class="form-inline-fields">
          <${Field} id="schedule-timeout" label="Timeout (minutes)" name="timeoutMinutes" type="number" min="1"
            max=${MAX_TIMEOUT_MINUTES} step="1" required
            defaultValue=${schedule ? Math.max(1, Math.round(schedule.timeoutSeconds / 60)) : DEFAULT_TIMEOUT_MINUTES}
            hint="A run still going after this long is stopped and marked “Timed out”." />
          <div class="field field-check">
            <${Checkbox} id="schedule-enabled" name="enabled" label="On" defaultChecked=${schedule ? schedule.enabled : true}
              hint="When off, it only runs when you press Run now." />
          </div>
        </div>

        <${FormError} message=${error} />
        <div class="form-actions">
          <${SubmitButton} busy=${busy} label=${editing ? 'Save changes' : 'Create schedule'} busyLabel="Saving…" />
          <button type="button" class="button button-secondary" onClick=${onCancel}>Cancel</button>
        </div>
      </form>
    </section>
  `;
}
