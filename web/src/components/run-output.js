// A run's output file: a link that opens it in the Files screen, and (when asked) a short preview: the first
// lines of a text or Markdown file, or only its name and size when it is binary or too large to show.
import { useEffect, useState } from 'preact/hooks';
import { filesApi } from '../files/api.js';
import { formatBytes } from '../files/paths.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';

export const PREVIEW_LINES = 20;

/** The Files screen's address of `path` in `projectId` (the Files screen opens the file it names). */
export const fileUrl = (projectId, path) => `/files?${new URLSearchParams({ project: projectId, path })}`;

const fileName = (path) => path.slice(path.lastIndexOf('/') + 1);

/** The link alone: the file's path, opening it in Files. */
export function OutputLink({ projectId, path, label }) {
  if (!projectId) return html`<code class="path run-output">${path}</code>`;
  return html`<${Link} class="run-output-link" href=${fileUrl(projectId, path)}
    title="Open in Files"><${Icon} name="files" size=${14} /> <code class="path run-output">${label || path}</code><//>`;
}

/** `{ state: 'loading' | 'text' | 'binary' | 'error', lines, more, size, error }` of the file, fetched once. */
function usePreview(projectId, path) {
  const [preview, setPreview] = useState({ state: 'loading' });
  useEffect(() => {
    let stale = false;
    setPreview({ state: 'loading' });
    filesApi.content(projectId, path).then(
      (file) => {
        if (stale) return;
        if (file.binary || file.content == null) {
          setPreview({ state: 'binary', size: file.size });
          return;
        }
        const lines = file.content.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
        setPreview({
          state: 'text',
          lines: lines.slice(0, PREVIEW_LINES),
          more: lines.length > PREVIEW_LINES || Boolean(file.truncated),
          size: file.size,
        });
      },
      (err) => !stale && setPreview({ state: 'error', error: err.message }),
    );
    return () => (stale = true);
  }, [projectId, path]);
  return preview;
}

/** The link and, below it, the first PREVIEW_LINES lines of the file (or its name and size when binary). */
export function OutputPreview({ projectId, path, link = true }) {
  const preview = usePreview(projectId, path);
  return html`
    <div class="run-output-preview" data-state=${preview.state}>
      ${link && html`<${OutputLink} projectId=${projectId} path=${path} />`}
      ${preview.state === 'loading' && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading a preview…</p>`}
      ${preview.state === 'error' && html`<p class="muted">No preview: ${preview.error}</p>`}
      ${preview.state === 'binary' && html`<p class="muted">${fileName(path)} · ${formatBytes(preview.size)} · open it in Files to see it.</p>`}
      ${preview.state === 'text' && html`
        <pre class="run-preview" tabindex="0" aria-label=${`The start of ${fileName(path)}`}>${preview.lines.join('\n')}</pre>
        ${preview.more && html`<p class="muted">The first ${PREVIEW_LINES} lines. <${Link} href=${fileUrl(projectId, path)}>Open the whole file</${Link}>.</p>`}`}
    </div>
  `;
}

/** The link, with the preview behind a "Preview" disclosure (fetched only once it is opened). */
export function OutputDisclosure({ projectId, path }) {
  const [open, setOpen] = useState(false);
  if (!projectId) return html`<${OutputLink} path=${path} />`;
  return html`
    <${OutputLink} projectId=${projectId} path=${path} />
    <details class="run-preview-toggle" onToggle=${(e) => setOpen(e.currentTarget.open)}>
      <summary>Preview</summary>
      ${open && html`<${OutputPreview} projectId=${projectId} path=${path} link=${false} />`}
    </details>
  `;
}
