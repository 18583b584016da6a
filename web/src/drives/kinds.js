// The kinds of cloud drive and what each asks for (docs/web-drives.md): an OAuth app's client for OneDrive,
// SharePoint and Google Drive (a person then signs in through a popup), a server address for WebDAV, a bucket for
// S3. The provider and connection forms are built from these tables; no markup here.

export const PROVIDER_TYPES = [
  { value: 'onedrive', label: 'OneDrive', oauth: true, registrar: 'Microsoft Entra ID' },
  { value: 'sharepoint', label: 'SharePoint', oauth: true, registrar: 'Microsoft Entra ID' },
  { value: 'gdrive', label: 'Google Drive', oauth: true, registrar: 'the Google Cloud console' },
  { value: 'webdav', label: 'WebDAV', oauth: false },
  { value: 's3', label: 'S3-compatible storage', oauth: false },
];

const BY_VALUE = Object.fromEntries(PROVIDER_TYPES.map((type) => [type.value, type]));

/** `{ value, label, oauth }` of a provider type; an unknown one shows as itself and is treated as OAuth-less. */
export const providerType = (value) => BY_VALUE[value] ?? { value, label: value || 'Unknown', oauth: false };

// The client secret is write-only: the form shows it as its own control (see components/drive-provider-dialog.js).
const CLIENT = [
  { name: 'clientId', label: 'Client ID', required: true, hint: 'The application (client) ID of the app registered for Sasha Studio.' },
  { name: 'clientSecret', secret: true },
];
const ENDPOINTS = [
  { name: 'authorizeUrl', label: 'Authorization URL', type: 'url', advanced: true,
    hint: 'Only for another identity server: where people sign in. Empty: the provider’s own.' },
  { name: 'tokenUrl', label: 'Token URL', type: 'url', advanced: true,
    hint: 'Only for another identity server: where tokens are issued. Empty: the provider’s own.' },
];

/**
 * The provider form's fields of a type, besides its name and (for OAuth) the client secret. `required` ones are
 * checked in the form; `advanced` ones sit in a fold.
 */
export const PROVIDER_FIELDS = {
  onedrive: [
    ...CLIENT,
    { name: 'tenantId', label: 'Tenant ID', hint: 'OneDrive for Business: your Microsoft Entra tenant. Empty for personal accounts.' },
    { name: 'driveId', label: 'Drive ID', hint: 'A particular drive. Empty: the signed-in person’s own OneDrive.' },
    ...ENDPOINTS,
    { name: 'apiUrl', label: 'Graph API URL', type: 'url', advanced: true,
      hint: 'Only for another Microsoft Graph: where the person’s own drive is looked up. Empty: Microsoft’s.' },
  ],
  sharepoint: [
    ...CLIENT,
    { name: 'tenantId', label: 'Tenant ID', required: true, hint: 'Your Microsoft Entra tenant (directory) ID.' },
    { name: 'driveId', label: 'Document library (drive ID)', required: true,
      hint: 'The drive ID of the site’s library to use, as Microsoft Graph lists it under /sites/{site-id}/drives.' },
    ...ENDPOINTS,
  ],
  gdrive: [
    ...CLIENT,
    { name: 'driveId', label: 'Shared drive ID', hint: 'A shared drive. Empty: the signed-in person’s My Drive.' },
    ...ENDPOINTS,
  ],
  webdav: [
    { name: 'url', label: 'Server URL', type: 'url', required: true, placeholder: 'https://dav.example.com/remote.php/webdav',
      hint: 'The WebDAV address. Each connection brings its own user name and password.' },
  ],
  s3: [
    { name: 'endpoint', label: 'Endpoint', type: 'url', placeholder: 'https://s3.eu-west-1.amazonaws.com',
      hint: 'Empty for Amazon S3 itself; the service’s address for another S3-compatible store.' },
    { name: 'region', label: 'Region', placeholder: 'eu-west-1' },
    { name: 'bucket', label: 'Bucket', required: true },
  ],
};

/** What a connection asks for besides its name: credentials for WebDAV and S3 (OAuth drives sign in instead). */
export const CONNECTION_FIELDS = {
  webdav: [
    { name: 'username', label: 'User name', required: true, autocomplete: 'off' },
    { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password',
      hint: 'Stored encrypted and never shown again.' },
  ],
  s3: [
    { name: 'accessKeyId', label: 'Access key ID', required: true, autocomplete: 'off' },
    { name: 'secretAccessKey', label: 'Secret access key', type: 'password', required: true, autocomplete: 'new-password',
      hint: 'Stored encrypted and never shown again.' },
  ],
};

/**
 * The redirect URI to register with Microsoft or Google for an OAuth provider: the API's callback route, as the API
 * states it when it does (its public URL may differ from this page's origin), else on this origin.
 */
export const redirectUri = (provider, origin = window.location.origin) =>
  provider.redirectUri || `${origin}/api/auth/${encodeURIComponent(provider.providerId)}/callback`;

/** "…cdef": a secret's last characters as the server hints them (it may or may not put the ellipsis in front). */
export const ending = (hint) => `…${String(hint).replace(/^…/, '')}`;

/** The body of POST / PATCH /api/drives/providers from the form's values; throws an Error saying what is missing. */
export function providerBody(values, type, { creating, replaceSecret }) {
  const kind = providerType(type);
  const displayName = (values.displayName || '').trim();
  if (!displayName) throw new Error('Give the provider a name people will recognise, e.g. “Company OneDrive”.');
  const body = creating ? { providerType: type, displayName } : { displayName };
  for (const field of PROVIDER_FIELDS[type] || []) {
    if (field.secret) continue;
    const value = (values[field.name] || '').trim();
    if (field.required && !value) throw new Error(`${field.label}: this is needed for ${kind.label}.`);
    body[field.name] = value || null;
  }
  if (kind.oauth && (creating || replaceSecret)) {
    const secret = values.clientSecret || '';
    if (!secret) throw new Error('Client secret: paste the secret of the registered app.');
    body.clientSecret = secret;
  }
  if (creating) for (const name of Object.keys(body)) if (body[name] === null) delete body[name];
  return body;
}

/** The body of POST /api/drives/connections from the form's values; throws an Error saying what is missing. */
export function connectionBody(values, provider) {
  const displayName = (values.displayName || '').trim() || provider.displayName;
  const body = { providerId: provider.providerId, displayName };
  for (const field of CONNECTION_FIELDS[provider.providerType] || []) {
    const value = field.type === 'password' ? values[field.name] || '' : (values[field.name] || '').trim();
    if (field.required && !value) throw new Error(`${field.label}: this is needed to reach the drive.`);
    body[field.name] = value;
  }
  return body;
}
