// What Claude asks the person during a turn: permission to use a tool (Allow / Deny), or a question with choices
// (AskUserQuestion). Both fold to one quiet line once answered; the server sends no event for an answer.
import { useState } from 'preact/hooks';
import { ChatIcon } from '../chat/icons.js';
import { html } from '../html.js';
import { PermissionDetail } from './permission-detail.js';

const OFFLINE = 'Not connected: answer again once the connection is back.';
const PERMISSION_DONE = {
  allow: 'You allowed',
  deny: 'You denied',
  expired: 'Nobody answered before the turn ended:',
};

export function PermissionRequest({ part, onAnswer }) {
  const [problem, setProblem] = useState(null);
  if (part.answer) {
    return html`<p class="msg-notice permission-done" data-answer=${part.answer}>
      <${ChatIcon} name="lock" size=${14} /> ${PERMISSION_DONE[part.answer]} <code>${part.summary || part.toolName}</code></p>`;
  }
  const answer = (choice) => setProblem(onAnswer(part.id, choice) ? null : OFFLINE);
  return html`
    <div class="permission" role="group" aria-label="Permission request" data-answer="pending">
      <p class="permission-text">
        <${ChatIcon} name="lock" size=${16} />
        <span>Claude wants to use <strong>${part.toolName}</strong>: <code>${part.summary}</code></span>
      </p>
      <${PermissionDetail} detail=${part.detail} />
      <div class="permission-actions">
        <button type="button" class="button button-small" onClick=${() => answer('allow')}>Allow</button>
        <button type="button" class="button button-small button-secondary" onClick=${() => answer('deny')}>Deny</button>
      </div>
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
