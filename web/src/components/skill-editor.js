// The skill editor: a form (name, description, single prompt or steps in order, the instructions) with the raw
// SKILL.md one click away ("Edit as SKILL.md"). Both views are kept in step: the form writes SKILL.md, and what is
// typed in SKILL.md fills the form again when the form can read it (else the reason shows by the text and the form
// waits). The display name is free text; the identifier (the skill's folder) is derived from it.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { FormError, SubmitButton, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { identifierFor, parse, serialize } from '../skills/document.js';
import { declaredName } from '../skills/templates.js';

const skillUrl = (name, projectId) => `/api/skills/${encodeURIComponent(name)}?projectId=${encodeURIComponent(projectId)}`;
const focusLater = (id) => requestAnimationFrame(() => document.getElementById(id)?.focus());
const NO_LETTERS = 'The name needs at least one letter or digit, e.g. “Weekly report”.';

let nextStepKey = 1;
const withKeys = (steps) => steps.map((step) => ({ ...step, key: nextStepKey++ }));
const fromContent = (content) => {
  const read = parse(content);
  return read.doc ? { ...read.doc, steps: withKeys(read.doc.steps) } : null;
};

function StepList({ steps, readOnly, onChange }) {
  const update = (index, changes) => onChange(steps.map((step, i) => (i === index ? { ...step, ...changes } : step)));
  const move = (index, by) => {
    const next = [...steps];
    const [step] = next.splice(index, 1);
    next.splice(index + by, 0, step);
    onChange(next);
    const to = index + by;
    // Keep the focus on the button pressed, or on its twin when the step reached an end of the list.
    const edge = (by < 0 && to === 0) || (by > 0 && to === next.length - 1);
    focusLater(`skill-step-${step.key}-${edge ? (by < 0 ? 'down' : 'up') : by < 0 ? 'up' : 'down'}`);
  };
  const remove = (index) => {
    const next = steps.filter((_, i) => i !== index);
    onChange(next);
    focusLater(next.length ? `skill-step-${next[Math.min(index, next.length - 1)].key}-name` : 'skill-add-step');
  };
  const add = () => {
    const step = { name: '', prompt: '', key: nextStepKey++ };
    onChange([...steps, step]);
    focusLater(`skill-step-${step.key}-name`);
  };
  return html`
    <ol class="skill-steps" aria-label="Steps">
      ${steps.map((step, index) => {
        const n = index + 1;
        const id = `skill-step-${step.key}`;
        return html`
          <li key=${step.key} class="skill-step" data-step=${n}>
            <div class="skill-step-head">
              <span class="skill-step-number" aria-hidden="true">${n}</span>
              <div class="field skill-step-name">
                <label for=${`${id}-name`}>Name of step ${n}</label>
                <input id=${`${id}-name`} class="input" value=${step.name} maxlength="64" autocomplete="off" readonly=${readOnly}
                  placeholder=${`step-${n}`} onInput=${(e) => update(index, { name: e.currentTarget.value })} />
              </div>
              ${!readOnly && html`<div class="skill-step-actions">
                <button type="button" id=${`${id}-up`} class="button button-small button-secondary" disabled=${index === 0}
                  aria-label=${`Move step ${n} up`} onClick=${() => move(index, -1)}>↑ Up</button>
                <button type="button" id=${`${id}-down`} class="button button-small button-secondary" disabled=${index === steps.length - 1}
                  aria-label=${`Move step ${n} down`} onClick=${() => move(index, 1)}>↓ Down</button>
                <button type="button" class="button button-small button-ghost-danger" aria-label=${`Remove step ${n}`}
                  onClick=${() => remove(index)}>Remove</button>
              </div>`}
            </div>
            <div class="field">
              <label for=${`${id}-prompt`}>Instructions for step ${n}</label>
              <textarea id=${`${id}-prompt`} class="input textarea" rows="3" value=${step.prompt} readonly=${readOnly}
                onInput=${(e) => update(index, { prompt: e.currentTarget.value })}></textarea>
            </div>
          </li>`;
      })}
    </ol>
    ${!readOnly && html`<button type="button" id="skill-add-step" class="button button-small button-secondary" onClick=${add}>+ Add a step</button>`}
  `;
}

function SkillForm({ doc, identifier, editing, readOnly, nameError, stepsError, onChange }) {
  const workflow = doc.kind === 'workflow' || doc.kind === 'agent-flow';
  const nameRef = useAutoFocus();
  const set = (key) => (e) => onChange({ ...doc, [key]: e.currentTarget.value });
  const setKind = (kind) => onChange({ ...doc, kind, steps: kind !== 'skill' && !doc.steps.length ? withKeys([{ name: '', prompt: '' }]) : doc.steps });
  const otherKeys = doc.extra ? doc.extra.split('\n').map((line) => /^([\w-]+):/.exec(line)?.[1]).filter(Boolean) : [];
  return html`
    <div class="form-inline-fields">
      <div class="field">
        <label for="skill-title">Name</label>
        <input id="skill-title" ref=${nameRef} class="input" value=${doc.title} maxlength="100" autocomplete="off" required
          readonly=${readOnly} onInput=${set('title')} aria-invalid=${nameError ? 'true' : 'false'}
          aria-describedby=${nameError ? 'skill-title-error skill-title-hint' : 'skill-title-hint'} />
        ${nameError && html`<p class="field-error" id="skill-title-error">${nameError}</p>`}
        <p class="hint" id="skill-title-hint">
          ${identifier
            ? html`Saved as <code class="skill-identifier">${identifier}</code>${editing ? ' (fixed once created)' : ''}.`
            : 'Any words you like, e.g. “Weekly report”.'}
        </p>
      </div>
      <div class="field">
        <label for="skill-description">Description</label>
        <input id="skill-description" class="input" value=${doc.description} maxlength="1024" autocomplete="off"
          readonly=${readOnly} onInput=${set('description')} aria-describedby="skill-description-hint" />
        <p class="hint" id="skill-description-hint">One line: what it does and when to use it.</p>
      </div>
    </div>
    <fieldset class="fieldset">
      <legend>How it runs</legend>
      <div class="segmented">
        <label><input type="radio" name="skill-kind" value="skill" checked=${!workflow} disabled=${readOnly}
          onChange=${() => setKind('skill')} /> One set of instructions</label>
        <label><input type="radio" name="skill-kind" value="workflow" checked=${workflow} disabled=${readOnly}
          onChange=${() => setKind(doc.kind === 'agent-flow' ? 'agent-flow' : 'workflow')} /> Steps in order</label>
      </div>
      ${workflow && html`
        <p class="hint">Each step runs on its own, in order; a step reads the previous step’s output.</p>
        ${stepsError && html`<p class="field-error" id="skill-steps-error">${stepsError}</p>`}
        <${StepList} steps=${doc.steps} readOnly=${readOnly} onChange=${(steps) => onChange({ ...doc, steps })} />`}
    </fieldset>
    <div class="field">
      <label for="skill-body">${workflow ? 'Background for every step' : 'Instructions'}</label>
      <textarea id="skill-body" class="input textarea" rows=${workflow ? 3 : 8} value=${doc.body} readonly=${readOnly}
        required=${!workflow} onInput=${set('body')} aria-describedby="skill-body-hint"></textarea>
      <p class="hint" id="skill-body-hint">${workflow
        ? 'Optional: what every step should know, e.g. “The project is the company wiki.”'
        : 'What Claude is asked to do when the skill runs. Nobody is there to answer questions.'}</p>
    </div>
    ${otherKeys.length > 0 && html`<p class="hint">Also in SKILL.md, kept as they are: ${otherKeys.join(', ')}. Change them with <strong>Edit as SKILL.md</strong>.</p>`}
  `;
}

export function SkillEditor({ projectId, skill, template, readOnly = false, onSaved, onCancel }) {
  const editing = Boolean(skill);
  const initial = skill ? skill.content : template;
  const [doc, setDoc] = useState(() => fromContent(initial));
  const [raw, setRaw] = useState(initial);
  const [rawMode, setRawMode] = useState(() => !fromContent(initial)); // a file the form cannot read opens raw
  const [rawError, setRawError] = useState(() => parse(initial).error || null);
  const [nameError, setNameError] = useState(null);
  const [stepsError, setStepsError] = useState(null);
  const rawRef = useRef(null);

  const identifier = editing ? skill.name : doc ? identifierFor(doc.title) : null;
  const current = () => (rawMode ? raw : serialize({ ...doc, name: identifier || '' }));

  const changeDoc = (next) => {
    setDoc(next);
    if (nameError && identifierFor(next.title)) setNameError(null);
    if (stepsError && next.steps.length) setStepsError(null);
  };
  const changeRaw = (text) => {
    setRaw(text);
    const read = parse(text);
    setRawError(read.error || null);
    if (read.doc) setDoc({ ...read.doc, title: read.doc.title, steps: withKeys(read.doc.steps) });
  };
  const toggle = () => {
    if (rawMode) {
      if (rawError) return;
      setRawMode(false);
      focusLater('skill-title');
    } else {
      setRaw(current());
      setRawError(null);
      setRawMode(true);
      focusLater('skill-content');
    }
  };

  const { busy, error, setError, onSubmit } = useSubmit(async () => {
    setError(null);
    let name = editing ? skill.name : null;
    if (!rawMode) {
      if (!identifier) {
        setNameError(NO_LETTERS);
        focusLater('skill-title');
        return;
      }
      if (doc.kind !== 'skill' && !doc.steps.length) {
        setStepsError('Add at least one step, or choose “One set of instructions”.');
        focusLater('skill-add-step');
        return;
      }
      name = name || identifier;
    } else if (!editing) {
      name = parse(raw).doc?.name || declaredName(raw);
      if (!name) {
        setError('SKILL.md needs a “name:” line between the two “---” lines, e.g. “name: weekly-report”.');
        return;
      }
    }
    onSaved(await api.put(skillUrl(name, projectId), { content: current() }), !editing);
  });

  const title = editing ? (doc?.title && doc.title !== skill.name ? doc.title : skill.name) : null;
  return html`
    <section class="card" aria-labelledby="skill-editor-title">
      <div class="card-header">
        <h2 id="skill-editor-title" tabindex="-1">${!editing ? 'New skill' : readOnly ? title : `Edit ${title}`}</h2>
        <div class="card-actions">
          ${editing && html`<code class="path">${skill.path}</code>`}
          <button type="button" class="button button-small button-secondary"
            disabled=${rawMode && Boolean(rawError)} title=${rawMode && rawError ? 'Fix SKILL.md first: the form cannot read it' : undefined}
            onClick=${toggle}>${rawMode ? 'Back to the form' : 'Edit as SKILL.md'}</button>
        </div>
      </div>
      <form class="form skill-form" onSubmit=${onSubmit} noValidate>
        ${rawMode
          ? html`<div class="field">
              <label for="skill-content">SKILL.md</label>
              <textarea id="skill-content" ref=${rawRef} class="input skill-editor-text" spellcheck="false" required readonly=${readOnly}
                value=${raw} onInput=${(e) => changeRaw(e.currentTarget.value)}
                aria-invalid=${error || rawError ? 'true' : 'false'}
                aria-describedby=${rawError ? 'skill-content-error skill-content-hint' : 'skill-content-hint'}></textarea>
              ${rawError && html`<p class="field-error" id="skill-content-error">${rawError}</p>`}
              <p class="hint" id="skill-content-hint">Front matter between the “---” lines: <code>name</code> (lower-case
                letters, digits and “-”), an optional <code>title</code>, a one-line <code>description</code>, and for steps <code>kind: workflow</code>
                with <code>steps</code>. The text after it is what Claude is asked to do.</p>
            </div>`
          : html`<${SkillForm} doc=${doc} identifier=${identifier} editing=${editing} readOnly=${readOnly}
              nameError=${nameError} stepsError=${stepsError} onChange=${changeDoc} />`}
        <${FormError} message=${error} />
        <div class="form-actions">
          ${!readOnly && html`<${SubmitButton} busy=${busy} label=${editing ? 'Save changes' : 'Create skill'} busyLabel="Saving…" />`}
          <button type="button" class="button button-secondary" onClick=${onCancel}>${readOnly ? 'Close' : 'Cancel'}</button>
        </div>
      </form>
    </section>
  `;
}
