// Onboarding's step indicator: where you are, what is done or skipped. Each step is a button, since every step can
// be skipped and come back to.
import { html } from '../html.js';
import { Icon } from '../icons.js';

export const STEPS = ['Your company', 'Connect Claude', 'Live learning'];

const STATE_TEXT = { done: 'done', skipped: 'skipped' };

/** `states[i]`: 'done' | 'skipped' | undefined. */
export function OnboardingSteps({ current, states, onPick }) {
  return html`
    <nav class="steps" aria-label="Setup steps">
      <ol>
        ${STEPS.map((label, index) => html`
          <li key=${label} data-state=${states[index] || (index === current ? 'current' : 'todo')}>
            <button type="button" class="step" aria-current=${index === current ? 'step' : undefined}
              onClick=${() => onPick(index)}>
              <span class="step-number" aria-hidden="true">
                ${states[index] === 'done' ? html`<${Icon} name="check" size=${14} />` : index + 1}
              </span>
              <span class="step-label">
                <span class="sr-only">Step ${index + 1}: </span>${label}
                ${STATE_TEXT[states[index]] && html`<span class="step-state">${STATE_TEXT[states[index]]}</span>`}
              </span>
            </button>
          </li>`)}
      </ol>
    </nav>
  `;
}
