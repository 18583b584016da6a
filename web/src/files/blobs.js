// Project files the page shows (images, a document's pictures) are fetched from their presigned URL into a
// blob: URL, so nothing on the page points at storage and the image's type comes from its name, not from storage.
import { filesApi } from './api.js';
import { IMAGE_TYPES } from './kinds.js';
import { extensionOf } from './paths.js';

/** A blob: URL of the project file at `path` (the caller revokes it); rejects when it cannot be read. */
export async function loadFileUrl(projectId, path) {
  const { url } = await filesApi.downloadUrl(projectId, path, { inline: true });
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Storage answered ${response.status}.`);
  const bytes = await response.blob();
  const type = IMAGE_TYPES[extensionOf(path)] || bytes.type || 'application/octet-stream';
  // An SVG may hold script: as a blob: URL of this origin, "open image in new tab" would run it here. A data:
  // URL shows the same in an <img>, and browsers refuse to open one as a page.
  if (type === 'image/svg+xml') return dataUrl(new Blob([bytes], { type }));
  return URL.createObjectURL(new Blob([bytes], { type }));
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error('The image could not be read.'));
    reader.readAsDataURL(blob);
  });
}

/** Saves the project file at `path` through its presigned (attachment) URL: a link to it, clicked. */
export async function downloadFile(projectId, path, name) {
  const { url } = await filesApi.downloadUrl(projectId, path);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
