// The open file: Markdown rendered (or its source), code highlighted, images from a blob: URL, anything else as
// its size and a Download button; Edit for text files, Rename / Move and Delete.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { downloadFile, loadFileUrl } from '../files/blobs.js';
import { useFileContent } from '../files/content.js';
import { highlightCode } from '../files/highlight.js';
import { FileIcon } from '../files/icons.js';
import { languageOf, viewKind } from '../files/kinds.js';
import { renderDocument, useProjectLinks } from '../files/markdown.js';
import { formatBytes } from '../files/paths.js';
import { managedFolderOf } from '../files/visibility.js';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { FileEditor } from './file-editor.js';

function CodeView({ code, language }) {
  const [highlighted, setHighlighted] = useState(null);
  useEffect(() => {
    let live = true;
    setHighlighted(null);
    highlightCode(code, language).then((value) => live && setHighlighted(value), () => {});
    return () => (live = false);
  }, [code, language]);
  return html`
    <pre class="file-code" tabindex="0" aria-label="File content" data-language=${language || 'text'}>${highlighted
      ? html`<code key="highlighted" class="hljs" dangerouslySetInnerHTML=${{ __html: highlighted }}></code>`
      : html`<code key="plain">${code}</code>`}</pre>
  `;
}

/** Highlights the fenced code blocks that name their language (```python) in a rendered document. */
function useHighlightedBlocks(container, rendered) {
  useEffect(() => {
    let live = true;
    for (const block of container.current?.querySelectorAll('pre > code[class*="language-"]') || []) {
      const language = /language-([\w+-]+)/.exec(block.className)?.[1];
      highlightCode(block.textContent, language).then((value) => {
        if (!live || value === null) return;
        block.innerHTML = value; // DOMPurify's output (see highlight.js)
        block.classList.add('hljs');
      }, () => {});
    }
    return () => (live = false);
  }, [rendered]);
}

function MarkdownView({ projectId, file, linkFor, onOpen }) {
  const container = useRef(null);
  const rendered = useMemo(() => renderDocument(file.content), [file.content]);
  useProjectLinks(container, { projectId, filePath: file.path, html: rendered, linkFor, onOpen });
  useHighlightedBlocks(container, rendered);
  return html`<div ref=${container} class="markdown file-markdown" dangerouslySetInnerHTML=${{ __html: rendered }}></div>`;
}

function ImageView({ projectId, file }) {
  const [image, setImage] = useState({ url: null, error: null });
  useEffect(() => {
    let live = true;
    let url = null;
    loadFileUrl(projectId, file.path).then(
      (loaded) => {
        if (!live) return URL.revokeObjectURL(loaded);
        url = loaded;
        setImage({ url, error: null });
      },
      (err) => live && setImage({ url: null, error: err.message }),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [projectId, file.path, file.etag]);
  if (image.error) return html`<p class="callout callout-bad" role="alert">Could not load the image: ${image.error}</p>`;
  if (!image.url) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading the image…</p>`;
  return html`<div class="file-image"><img src=${image.url} alt=${file.name} /></div>`;
}

function BinaryView({ file, onDownload, markdownPath, onOpen }) {
  return html`
    <div class="file-binary">
      <${FileIcon} name="file" size=${36} />
      <p><strong>${file.name}</strong><br /><span class="muted">${formatBytes(file.size)}${file.contentType ? ` · ${file.contentType}` : ''}</span></p>
      <p class="muted">${file.binary ? 'This file cannot be shown here.' : 'This file is too large to show here.'}</p>
      <div class="form-actions">
        <button type="button" class="button button-primary" onClick=${onDownload}><${FileIcon} name="download" size=${16} /> Download</button>
        ${markdownPath && html`<button type="button" class="button button-secondary" onClick=${() => onOpen(markdownPath)}>
          <${FileIcon} name="file-text" size=${16} /> Open the Markdown version</button>`}
      </div>
    </div>
  `;
}

function Body({ projectId, file, mode, linkFor, markdownPath, on }) {
  const kind = viewKind(file.path);
  if (kind === 'image') return html`<${ImageView} projectId=${projectId} file=${file} />`;
  if (file.content === null || file.content === undefined) {
    return html`<${BinaryView} file=${file} onDownload=${on.download} markdownPath=${markdownPath} onOpen=${on.open} />`;
  }
  if (kind === 'markdown' && mode === 'rendered') {
    return html`<${MarkdownView} projectId=${projectId} file=${file} linkFor=${linkFor} onOpen=${on.open} />`;
  }
  const language = kind === 'markdown' ? 'markdown' : languageOf(file.path);
  return html`<${CodeView} code=${file.content} language=${language} />`;
}

function ModeSwitch({ mode, onMode }) {
  return html`
    <div class="file-mode" role="group" aria-label="Show the Markdown">
      <button type="button" class="button button-small button-secondary" aria-pressed=${mode === 'rendered' ? 'true' : 'false'}
        onClick=${() => onMode('rendered')}>Rendered</button>
      <button type="button" class="button button-small button-secondary" aria-pressed=${mode === 'source' ? 'true' : 'false'}
        onClick=${() => onMode('source')}>Source</button>
    </div>
  `;
}

export function FileViewer({ projectId, path, canWrite, markdownPath, linkFor, on }) {
  const { file, error, reload, replace } = useFileContent(projectId, path);
  const [mode, setMode] = useState('rendered');
  const [editing, setEditing] = useState(0); // 0, or which editing session (a new editor each time Edit is pressed)
  const [problem, setProblem] = useState(null);

  const download = async () => {
    setProblem(null);
    try {
      await downloadFile(projectId, path, file?.name || path);
    } catch (err) {
      setProblem(err.message);
    }
  };
  const handlers = { ...on, download };
  const isText = file && typeof file.content === 'string' && viewKind(path) !== 'image';
  const node = file ? { type: 'file', path: file.path, name: file.name } : { type: 'file', path, name: path };
  const managed = managedFolderOf(path);
  const name = file?.name || path.split('/').pop();

  return html`
    <section class="card file-viewer" aria-labelledby="file-viewer-title" data-path=${path}>
      <div class="card-header file-viewer-header">
        <div class="file-viewer-heading">
          <h2 id="file-viewer-title" tabindex="-1" title=${path}>${name}</h2>
          ${file && html`<p class="muted file-viewer-meta"><span class="path">${file.path}</span> · ${formatBytes(file.size)} ·
            changed <${DateText} value=${file.modifiedAt} ago /></p>`}
        </div>
        ${file && !editing && html`
          <div class="card-actions">
            ${viewKind(path) === 'markdown' && isText && html`<${ModeSwitch} mode=${mode} onMode=${setMode} />`}
            ${isText && canWrite && html`<button type="button" class="button button-small button-secondary" onClick=${() => setEditing(Date.now())}>
              <${FileIcon} name="edit" size=${15} /> Edit</button>`}
            <button type="button" class="button button-small button-secondary" onClick=${download}>
              <${FileIcon} name="download" size=${15} /> Download</button>
            ${canWrite && !managed && html`
              <button type="button" class="button button-small button-secondary" onClick=${() => on.rename(node)}>
                <${FileIcon} name="move" size=${15} /> Rename / Move</button>
              <button type="button" class="button button-small button-ghost-danger" onClick=${() => on.delete(node)}>
                <${FileIcon} name="trash" size=${15} /> Delete</button>`}
          </div>`}
      </div>
      ${managed && file && html`<p class="callout file-managed-note">This file is in <span class="path">${managed}/</span>, which
        Sasha Studio manages: it can't be renamed, moved or deleted here.</p>`}
      ${problem && html`<p class="callout callout-bad" role="alert">${problem}</p>`}
      ${error?.code === 'file_not_found' && html`
        <div class="callout callout-bad callout-row file-missing" role="alert">
          <p><strong>This file no longer exists.</strong> <span class="path">${path}</span> may have been renamed, moved or
            deleted since the link to it was made.</p>
          <button type="button" class="button button-small button-secondary" onClick=${on.close}>Close</button>
        </div>`}
      ${error && error.code !== 'file_not_found' && html`
        <div class="callout callout-bad callout-row" role="alert">
          <p>Could not open ${path}: ${error.message}</p>
          <button type="button" class="button button-small button-secondary" onClick=${reload}>Try again</button>
        </div>`}
      ${!file && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Opening ${path}…</p>`}
      ${file && editing > 0 && html`<${FileEditor} key=${editing} projectId=${projectId} file=${file} onDirty=${on.dirty}
        onCancel=${() => setEditing(0)} onReload=${() => { setEditing(0); reload(); }}
        onSaved=${(saved, { stay = false } = {}) => {
          replace(saved);
          if (!stay) {
            setEditing(0);
            on.saved?.(saved);
          }
          on.changed();
        }} />`}
      ${file && !editing && html`<div class="file-body"><${Body} projectId=${projectId} file=${file} mode=${mode}
        linkFor=${linkFor} markdownPath=${markdownPath} on=${handlers} /></div>`}
    </section>
  `;
}
