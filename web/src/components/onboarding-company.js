// Onboarding, step 1: the company's name or website. "Detect from website" asks the server what the site says;
// Continue creates the company profile (and its project, where research writes).
import { useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';

function useDetect(form, setError) {
  const [detecting, setDetecting] = useState(false);
  const [found, setFound] = useState(null); // { name, description, website }
  const detect = async () => {
    const fields = form.current.elements;
    const url = fields.website.value.trim();
    if (!url) {
      setError('Type the company’s website first, e.g. example.com.');
      fields.website.focus();
      return;
    }
    setError(null);
    setFound(null);
    setDetecting(true);
    try {
      const answer = await api.post('/api/profile/organization/detect', { url });
      if (!form.current) return;
      if (answer.name) fields.name.value = answer.name;
      if (answer.website) fields.website.value = answer.website;
      setFound(answer);
    } catch (err) {
      if (form.current) setError(err.message);
    } finally {
      if (form.current) setDetecting(false);
    }
  };
  return { detecting, found, detect };
}

/** `profile`: the existing profile or null; `onDone(profile)` after Continue; `onSkip()`. */
export function OnboardingCompany({ profile, onDone, onSkip }) {
  const form = useRef(null);
  const { busy, error, setError, onSubmit } = useSubmit(async (values) => {
    const name = values.name.trim();
    const website = values.website.trim();
    if (!name && !website) {
      form.current.elements.name.focus();
      throw new Error('Type your company’s name or its website (or skip this step for now).');
    }
    if (profile && name === (profile.name || '') && website === (profile.website || '')) return onDone(profile);
    const body = {};
    if (name) body.name = name;
    if (website) body.website = website;
    onDone(await api.post('/api/profile/organization/initialize', body));
  });
  const { detecting, found, detect } = useDetect(form, setError);

  return html`
    <form class="form onboarding-form" ref=${form} onSubmit=${onSubmit} aria-describedby="company-lead" noValidate>
      <p class="card-lead" id="company-lead">Tell Sasha Studio which company this workspace is for. Claude uses it to
        learn about your business in step 3. A name or a website is enough.</p>
      <${Field} id="company-name" label="Company name" name="name" autocomplete="organization" maxlength="200"
        defaultValue=${profile?.name || ''} />
      <div class="field">
        <label for="company-website">Website</label>
        <div class="field-row">
          <input id="company-website" name="website" class="input" type="text" inputmode="url" autocomplete="url"
            spellcheck=${false} autocapitalize="none" placeholder="example.com" maxlength="500"
            defaultValue=${profile?.website || ''} aria-describedby="company-website-hint" />
          <button type="button" class="button button-secondary" disabled=${detecting || busy} onClick=${detect}>
            ${detecting && html`<span class="spinner" aria-hidden="true"></span>`}
            ${detecting ? 'Detecting…' : 'Detect from website'}
          </button>
        </div>
        <p class="hint" id="company-website-hint">Optional. “Detect from website” fills in the name from the site itself.</p>
      </div>
      <div class="detected" role="status">
        ${found && html`
          <p><strong>Found ${found.name || 'the site'}</strong>${found.website ? ` at ${found.website}` : ''}.</p>
          ${found.description && html`<p class="detected-description">${found.description}</p>`}`}
      </div>
      <${FormError} message=${error} />
      <div class="form-actions onboarding-actions">
        <button type="button" class="button button-secondary" onClick=${onSkip} disabled=${busy}>Skip for now</button>
        <${SubmitButton} busy=${busy} label="Continue" busyLabel="Saving…" />
      </div>
    </form>
  `;
}
