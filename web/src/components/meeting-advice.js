// "Advise now": while the meeting is live, ask Claude what to say or ask next (optionally about something), and read
// the answer as it streams in; the answers given before stay below, newest first.
import { ChatIcon } from '../chat/icons.js';
import { Markdown } from '../chat/markdown.js';
import { FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { isRunning } from '../meetings/advice.js';
import { timeOfDay } from '../meetings/format.js';

function AdviceItem({ advice }) {
  const running = isRunning(advice);
  return html`
    <li class="meeting-advice-item" data-status=${advice.status} data-advice=${advice.adviceId}>
      <p class="meeting-advice-meta">
        <time datetime=${advice.askedAt}>${timeOfDay(advice.askedAt)}</time>
        ${advice.question ? html` · <span class="meeting-advice-question">${advice.question}</span>` : ' · What to say next'}
        ${running && html` · <span class="meeting-advice-state">${advice.status === 'pending' ? 'Waiting…' : 'Thinking…'}</span>`}
      </p>
      ${advice.text
        ? html`<${Markdown} text=${advice.text} class=${running ? 'markdown streaming' : 'markdown'} />`
        : running && html`<p class="msg-pending"><span class="dots" aria-hidden="true"><i></i><i></i><i></i></span> Reading the transcript…</p>`}
      ${advice.status === 'failed' && html`<p class="meeting-advice-error">No advice this time: ${advice.error || 'the request failed.'}</p>`}
    </li>
  `;
}

export function MeetingAdvice({ advice, live, onAsk }) {
  const running = advice.some(isRunning);
  const { busy, error, onSubmit } = useSubmit(async ({ question }, form) => {
    await onAsk(question.trim());
    form.reset();
  });
  if (!live && !advice.length) return null;
  const newestFirst = [...advice].reverse();
  return html`
    <section class="card meeting-advice" aria-labelledby="meeting-advice-title">
      <div class="card-header">
        <h3 id="meeting-advice-title"><${ChatIcon} name="sparkle" size=${18} /> Advice</h3>
      </div>
      ${live && html`
        <form class="form meeting-advice-form" onSubmit=${onSubmit}>
          <div class="field">
            <label for="meeting-question">Question <span class="optional">(optional)</span></label>
            <input id="meeting-question" class="input" name="question" maxlength="1000" autocomplete="off"
              placeholder="e.g. What should I ask about the budget?" aria-describedby="meeting-question-hint" />
            <p class="hint" id="meeting-question-hint">Claude reads the transcript so far and suggests what to say or ask next.</p>
          </div>
          <${FormError} message=${error} />
          <div class="form-actions">
            <${SubmitButton} busy=${busy || running} label="Advise now" busyLabel=${running ? 'Advising…' : 'Asking…'} />
          </div>
        </form>`}
      ${newestFirst.length > 0 && html`
        <ol class="meeting-advice-list" aria-live="polite" aria-busy=${running ? 'true' : 'false'}>
          ${newestFirst.map((item) => html`<${AdviceItem} key=${item.adviceId} advice=${item} />`)}
        </ol>`}
    </section>
  `;
}
