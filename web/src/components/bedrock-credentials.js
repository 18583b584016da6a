// Amazon Bedrock's credentials: the region and an access key pair, or the runner's own task role when it has one.
// Secrets are never shown again: saving stores the whole set, so the keys are typed again to change the region.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Checkbox, Field, FormError, SubmitButton, useSubmit } from '../forms.js';
import { html } from '../html.js';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-central-1', 'eu-west-1', 'eu-west-3', 'ap-northeast-1',
  'ap-southeast-1', 'ap-southeast-2', 'ap-south-1', 'ca-central-1'];

/** The body of POST /api/admin/bedrock/configure (the server stores the whole set each time), or what is missing. */
function configureBody(values, useRole) {
  const region = values.region.trim();
  if (!region) throw new Error('Type the AWS region Bedrock runs in, e.g. us-east-1.');
  if (useRole) return { region, useTaskRole: true };
  const keyId = (values.accessKeyId || '').trim();
  const secret = (values.secretAccessKey || '').trim();
  if (!keyId || !secret) throw new Error('Type both the access key ID and the secret access key.');
  return { region, accessKeyId: keyId, secretAccessKey: secret, useTaskRole: false };
}

export function BedrockCredentials({ bedrock, onStatus }) {
  const [useRole, setUseRole] = useState(Boolean(bedrock?.useTaskRole && bedrock?.taskRoleAvailable));
  const [saved, setSaved] = useState(null);
  const { busy, error, onSubmit } = useSubmit(async (values, form) => {
    setSaved(null);
    const status = await api.post('/api/admin/bedrock/configure', configureBody(values, useRole));
    for (const name of ['accessKeyId', 'secretAccessKey']) if (form.elements[name]) form.elements[name].value = '';
    setSaved('Saved the Bedrock credentials. Test the connection to check them.');
    onStatus(status);
  });
  const storedKey = bedrock?.accessKeyHint && !bedrock?.useTaskRole;

  return html`
    <form class="form form-section" onSubmit=${onSubmit} aria-labelledby="bedrock-credentials-title" noValidate>
      <h3 id="bedrock-credentials-title">Credentials</h3>
      <${Field} id="bedrock-region" label="Region" name="region" list="bedrock-regions" autocomplete="off"
        spellcheck=${false} autocapitalize="none" placeholder="us-east-1" defaultValue=${bedrock?.region || ''}
        hint="Where your Bedrock models are enabled." />
      <datalist id="bedrock-regions">${REGIONS.map((region) => html`<option value=${region} />`)}</datalist>
      ${bedrock?.taskRoleAvailable && html`<${Checkbox} id="bedrock-task-role" name="useTaskRole" label="Use the runner’s task role"
        checked=${useRole} onChange=${(event) => setUseRole(event.currentTarget.checked)}
        hint="The runner calls Bedrock with the permissions AWS gives its task: no keys to store." />`}
      ${!useRole && html`
        <${Field} id="bedrock-access-key-id" label="Access key ID" name="accessKeyId" autocomplete="off" spellcheck=${false}
          autocapitalize="none" placeholder="AKIA…"
          hint=${storedKey ? `Stored now: ${bedrock.accessKeyHint}. Type the pair again to change anything here.`
            : 'An IAM user’s key allowed to call bedrock:InvokeModel.'} />
        <${Field} id="bedrock-secret" label="Secret access key" name="secretAccessKey" type="password" autocomplete="off"
          spellcheck=${false} hint="Stored encrypted; never shown again." />`}
      <div class="feedback">
        <div class="flash" role="status" data-tone=${saved ? 'ok' : undefined}>${saved || ''}</div>
        <${FormError} message=${error} />
      </div>
      <div class="form-actions">
        <${SubmitButton} busy=${busy} label="Save credentials" busyLabel="Saving…" tone="secondary" />
      </div>
    </form>
  `;
}
