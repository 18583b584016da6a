// The answer of a credentials test: it worked, or why not, and when. A polite live region, always in the page,
// so the result is read out the moment it arrives.
import { DateText } from '../format.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

/** `outcome`: `{ passed, message, testedAt }` (provider/format.js `testOutcome`), or null before any test. */
export function TestResult({ id, outcome, passedTitle = 'It works', failedTitle = 'The test failed' }) {
  const shown = outcome && outcome.passed !== null;
  return html`
    <div id=${id} class="test-result" role="status" data-passed=${shown ? String(outcome.passed) : undefined}>
      ${shown && html`
        <${Icon} name=${outcome.passed ? 'check' : 'alert'} size=${18} />
        <div>
          <p class="test-result-title">${outcome.passed ? passedTitle : failedTitle}</p>
          ${outcome.message && html`<p class="test-result-message">${outcome.message}</p>`}
          ${outcome.testedAt && html`<p class="hint">Tested <${DateText} value=${outcome.testedAt} ago /></p>`}
        </div>`}
    </div>
  `;
}
