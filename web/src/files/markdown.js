// Project documents as Markdown (a converted .docx, notes Claude wrote): parsed by marked, then ALWAYS cleaned by
// DOMPurify before it becomes HTML, as the Chat screen does (src/chat/markdown.js), with one difference: a
// document's own images are shown. An image written as a relative path (`report_files/image-1.png`) becomes an
// <img> WITHOUT a src, carrying the path in data-src; the viewer resolves it to a project file and loads it into a
// blob: URL (useProjectLinks below). Images on other sites become plain links, so no URL in a document is fetched.
import { Marked } from 'marked';
import { useEffect } from 'preact/hooks';
import { BASE_ATTR, BASE_TAGS, baseRenderer, linkSafePurifier } from '../markdown-base.js';
import { escapeHtml, safeUrl } from '../sanitize.js';
import { loadFileUrl } from './blobs.js';
import { resolveLink } from './paths.js';

const ALLOWED_TAGS = [...BASE_TAGS, 'img'];
const ALLOWED_ATTR = [...BASE_ATTR, 'alt', 'data-src'];
const isRelative = (href) => Boolean(href) && !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('//');
const purifier = linkSafePurifier();

const markdown = new Marked({
  gfm: true,
  renderer: {
    ...baseRenderer,
    image: ({ href, title, text }) => {
      const titled = title ? ` title="${escapeHtml(title)}"` : '';
      if (isRelative(href)) return `<img data-src="${escapeHtml(href)}" alt="${escapeHtml(text)}"${titled}>`;
      const url = safeUrl(href);
      const label = escapeHtml(text || href);
      return url ? `<a href="${escapeHtml(url)}"${titled}>${label}</a>` : label;
    },
  },
});

/** Sanitised HTML for a document's Markdown (safe for innerHTML: DOMPurify has the last word). */
export function renderDocument(text) {
  const raw = markdown.parse(String(text ?? ''), { async: false });
  return purifier.sanitize(raw, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false });
}

/**
 * After a rendered document is in `container`: its relative images load from the project (blob: URLs, revoked when
 * it changes), and its relative links open the project file they name in the viewer (`onOpen(path)`).
 */
export function useProjectLinks(container, { projectId, filePath, html, linkFor, onOpen }) {
  useEffect(() => {
    const root = container.current;
    if (!root) return undefined;
    let live = true;
    const urls = [];
    for (const img of root.querySelectorAll('img[data-src]')) {
      const path = resolveLink(filePath, img.getAttribute('data-src'));
      if (!path) continue;
      img.setAttribute('data-path', path);
      loadFileUrl(projectId, path).then(
        (url) => {
          if (!live) return URL.revokeObjectURL(url);
          urls.push(url);
          img.src = url;
        },
        () => live && img.setAttribute('data-state', 'missing'),
      );
    }
    for (const link of root.querySelectorAll('a[href]')) {
      const path = resolveLink(filePath, link.getAttribute('href'));
      if (!path) continue;
      link.setAttribute('href', linkFor(path));
      link.setAttribute('data-path', path);
      link.removeAttribute('target');
    }
    const onClick = (event) => {
      const link = event.target.closest?.('a[data-path]');
      if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      onOpen(link.getAttribute('data-path'));
    };
    root.addEventListener('click', onClick);
    return () => {
      live = false;
      root.removeEventListener('click', onClick);
      urls.forEach((url) => URL.revokeObjectURL(url));
    };
  }, [html, projectId, filePath]);
}
