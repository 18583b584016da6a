// The uploads of the open project: each file's progress and what became of it (stored, converted to Markdown with a
// link to open it, refused, cancelled), with Cancel while it is on its way to storage.
import { ACTIVE, cancelUpload, clearFinished } from '../files/uploads.js';
import { FileIcon } from '../files/icons.js';
import { baseName, formatBytes } from '../files/paths.js';
import { html } from '../html.js';

const CANCELLABLE = new Set(['queued', 'requesting', 'uploading']);
const TONES = {
  stored: 'ok', converted: 'ok', conversion_failed: 'warn', too_large: 'bad', rejected: 'bad', failed: 'bad',
  expired: 'bad', cancelled: 'muted', slow: 'warn',
};

function percent(item) {
  return item.total ? Math.min(100, Math.floor((item.loaded / item.total) * 100)) : 0;
}

/** The words for where an upload is, e.g. "uploading 42%" or "conversion failed: the file is not a .docx". */
export function uploadStatus(item) {
  const why = item.reason ? `: ${item.reason}` : '';
  switch (item.phase) {
    case 'queued': return 'waiting';
    case 'requesting': return 'starting';
    case 'uploading': return `uploading ${percent(item)}%`;
    case 'processing': return 'processing';
    case 'stored': return 'stored';
    case 'converted': return 'converted to Markdown';
    case 'conversion_failed': return `stored; conversion failed${why}`;
    case 'too_large': return `too large${why}`;
    case 'rejected': return `refused${why}`;
    case 'cancelled': return 'cancelled';
    case 'expired': return 'expired: the file never reached storage';
    case 'slow': return item.reason;
    default: return `failed${why}`;
  }
}

function UploadItem({ item, onOpen }) {
  const active = ACTIVE.has(item.phase);
  return html`
    <li class="file-upload" data-phase=${item.phase} data-tone=${TONES[item.phase] || 'active'}>
      <div class="file-upload-line">
        <${FileIcon} name="file" size=${15} />
        <span class="file-upload-name" title=${item.path}>${item.name}</span>
        <span class="file-upload-size muted">${formatBytes(item.size)}</span>
        ${CANCELLABLE.has(item.phase) && html`
          <button type="button" class="button button-small button-ghost-danger" onClick=${() => cancelUpload(item.id)}>
            Cancel<span class="sr-only"> uploading ${item.name}</span></button>`}
      </div>
      ${item.phase === 'uploading' && html`<progress class="file-progress" max="100" value=${percent(item)}
        aria-label=${`Uploading ${item.name}`}>${percent(item)}%</progress>`}
      ${(item.phase === 'processing' || item.phase === 'requesting') && html`<progress class="file-progress"
        aria-label=${`${item.phase === 'processing' ? 'Processing' : 'Starting'} ${item.name}`}></progress>`}
      <p class="file-upload-status">
        ${active && html`<span class="spinner" aria-hidden="true"></span> `}${uploadStatus(item)}
        ${item.phase === 'converted' && item.convertedPath && html` —
          <button type="button" class="link-button" onClick=${() => onOpen(item.convertedPath)}>Open ${baseName(item.convertedPath)}</button>`}
        ${(item.phase === 'stored' || item.phase === 'conversion_failed') && html` —
          <button type="button" class="link-button" onClick=${() => onOpen(item.path)}>Open<span class="sr-only"> ${item.name}</span></button>`}
      </p>
    </li>
  `;
}

export function FileUploads({ projectId, uploads, onOpen }) {
  if (!uploads.length) return null;
  const finished = uploads.filter((item) => !ACTIVE.has(item.phase)).length;
  return html`
    <section class="card file-uploads" aria-labelledby="files-uploads-title">
      <div class="card-header">
        <h2 id="files-uploads-title"><${FileIcon} name="upload" size=${18} /> Uploads</h2>
        ${finished > 0 && html`<button type="button" class="button button-small button-secondary"
          onClick=${() => clearFinished(projectId)}>Clear finished</button>`}
      </div>
      <ul class="file-upload-list">
        ${uploads.map((item) => html`<${UploadItem} key=${item.id} item=${item} onOpen=${onOpen} />`)}
      </ul>
    </section>
  `;
}
