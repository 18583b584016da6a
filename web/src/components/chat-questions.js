// What Claude asks the person during a turn: permission to use a tool (Allow / Allow for this session / Deny), or a
// question with choices (AskUserQuestion). Both fold to one quiet line once answered; the server sends no event for
// an answer. A permission card takes the focus when it appears (it is an alertdialog, so it is announced) and gives
// it back to the composer once answered.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ChatIcon } from '../chat/icons.js';
import { html } from '../html.js';
import { PermissionDetail } from './permission-detail.js';

const OFFLINE = 'Not connected: answer again once the connection is back.';
const COMPOSER_ID = 'chat-message'; // chat-composer.js's textarea

/** What an answered permission request says, e.g. "You allowed Write notes.md". */
function PermissionDone({ part }) {
  const what = html`<code>${part.summary || part.toolName}</code>`;
  const said = {
    allow: html`You allowed ${what}`,
    allowSession: html`You allowed ${what} for this session`,
    deny: html`You denied ${what}`,
    rule: html`Allowed without asking (you allowed ${part.rule ? html`<code>${part.rule}</code>` : 'it'} for this session): ${what}`,
  }[part.answer] ?? html`Nobody answered before the turn ended: ${what}`;
  return html`<p class="msg-notice permission-done" data-answer=${part.answer}>
    <${ChatIcon} name="lock" size=${14} /> <span>${said}</span></p>`;
}

/** What "Allow for this session" also allows, in words: `Bash(npm test)` → commands that start with "npm test". */
export function describeRule(rule) {
  const command = /^Bash\((.+)\)$/.exec(rule || '');
  if (command) return html`Also runs later commands that start with <code>${command[1]}</code> in this chat without asking.`;
  return html`Also lets Claude use <strong>${rule}</strong> again in this chat without asking.`;
}

export function PermissionRequest({ part, onAnswer }) {
  const [problem, setProblem] = useState(null);
  const card = useRef(null);
  const id = useId();
  const open = !part.answer;
  useEffect(() => {
    // A new request takes the focus, unless another open request has it (several can come at once).
    if (open && !document.activeElement?.closest?.('.permission[data-answer="pending"]')) card.current?.focus();
  }, [open]);
  if (part.answer) return html`<${PermissionDone} part=${part} />`;
  const answer = (choice) => {
    const sent = onAnswer(part.id, choice);
    setProblem(sent ? null : OFFLINE);
    if (sent) document.getElementById(COMPOSER_ID)?.focus();
  };
  return html`
    <div class="permission" role="alertdialog" aria-label="Permission request" aria-describedby=${`${id}-what`}
      data-answer="pending" tabindex="-1" ref=${card}>
      <p class="permission-text" id=${`${id}-what`}>
        <${ChatIcon} name="lock" size=${16} />
        <span>Claude wants to use <strong>${part.toolName}</strong>: <code>${part.summary}</code></span>
      </p>
      <${PermissionDetail} detail=${part.detail} />
      <div class="permission-actions">
        <button type="button" class="button button-small" onClick=${() => answer('allow')}>Allow</button>
        ${part.sessionRule && html`
          <button type="button" class="button button-small button-secondary" aria-describedby=${`${id}-rule`}
            onClick=${() => answer('allowSession')}>Allow for this session</button>`}
        <button type="button" class="button button-small button-secondary" onClick=${() => answer('deny')}>Deny</button>
      </div>
      ${part.sessionRule && html`<p class="permission-note permission-rule" id=${`${id}-rule`}>${describeRule(part.sessionRule)}</p>`}
      ${problem && html`<p class="permission-problem" role="alert">${problem}</p>`}
    </div>
  `;
}

function answeredText(answer) {
  if (answer === 'deny') return 'You skipped Claude’s question.';
  if (answer === 'expired') return 'Nobody answered Claude’s question before the turn ended.';
  const choices = Object.entries(answer).map(([question, choice]) => `${question} → ${choice}`);
  return `You answered: ${choices.join('; ')}`;
}

function Choices({ index, item, picked, onPick }) {
  const name = `question-${index}`;
  return html`
    <fieldset class="question">
      <legend>${item.header && html`<span class="question-header">${item.header}</span>`}${item.question}</legend>
      ${item.options.map((option) => html`
        <label class="question-option" key=${option.label}>
          <input type=${item.multiSelect ? 'checkbox' : 'radio'} name=${name} value=${option.label}
            checked=${picked.includes(option.label)} onChange=${(e) => onPick(option.label, e.currentTarget.checked)} />
          <span>
            <strong>${option.label}</strong>
            ${option.description && html`<span class="question-description">${option.description}</span>`}
          </span>
        </label>`)}
    </fieldset>
  `;
}

export function QuestionCard({ part, onAnswer }) {
  const [picked, setPicked] = useState(() => part.questions.map(() => []));
  const [problem, setProblem] = useState(null);
  if (part.answer) {
    return html`<p class="msg-notice permission-done" data-answer=${typeof part.answer === 'string' ? part.answer : 'answered'}>
      <${ChatIcon} name="info" size=${14} /> ${answeredText(part.answer)}</p>`;
  }
  const pick = (index, multi) => (label, on) =>
    setPicked((all) => all.map((chosen, i) => {
      if (i !== index) return chosen;
      if (!multi) return [label];
      return on ? [...chosen, label] : chosen.filter((l) => l !== label);
    }));
  const complete = picked.every((chosen) => chosen.length > 0);
  const submit = (event) => {
    event.preventDefault();
    if (!complete) return setProblem('Choose an answer for each question.');
    const answer = Object.fromEntries(part.questions.map((item, i) => [item.question, picked[i].join(', ')]));
    setProblem(onAnswer(part.id, answer) ? null : OFFLINE);
  };
  const skip = () => setProblem(onAnswer(part.id, 'deny') ? null : OFFLINE);
  return html`
    <form class="permission question-card" aria-label="Claude asks" onSubmit=${submit}>
      <p class="permission-text"><${ChatIcon} name="info" size=${16} /> <span>Claude asks:</span></p>
      ${part.questions.map((item, index) => html`<${Choices} key=${index} index=${`${part.id}-${index}`} item=${item}
        picked=${picked[index]} onPick=${pick(index, item.multiSelect)} />`)}
      <div class="permission-actions">
        <button type="submit" class="button button-small">Send answer</button>
        <button type="button" class="button button-small button-secondary" onClick=${skip}>Skip</button>
      </div>
      ${problem && html`<p class="permission-problem" role="alert">${problem}</p>`}
    </form>
  `;
}
