// Project file paths as the API spells them: relative, "/"-separated, no leading or trailing slash ("" is the root).

/** The last segment: "reports/q1.docx" → "q1.docx". */
export function baseName(path) {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The folder holding `path` ("" for the root): "reports/q1.docx" → "reports". */
export function parentOf(path) {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `name` inside `folder`: joinPath("", "a.txt") → "a.txt", joinPath("docs", "a.txt") → "docs/a.txt". */
export function joinPath(folder, name) {
  return folder ? `${folder}/${name}` : name;
}

/** Every folder above `path`, outermost first: "a/b/c.txt" → ["a", "a/b"]. */
export function ancestorsOf(path) {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** The lower-case extension without the dot ("" when there is none): "Report.DOCX" → "docx". */
export function extensionOf(path) {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Whether `path` is `folder` itself or inside it. */
export function isWithin(path, folder) {
  return path === folder || path.startsWith(`${folder}/`);
}

function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * A link written in a project file (Markdown's `report_files/image-1.png`), resolved against the folder of the file
 * it is in; null for anything that is not a plain relative path (a scheme, "//host", "/…", "#…", "?…") or that
 * climbs out of the project.
 */
export function resolveLink(fromFile, href) {
  const target = String(href ?? '').trim().split(/[?#]/, 1)[0];
  if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/') || target.includes('\\')) return null;
  const parts = parentOf(fromFile).split('/').filter(Boolean);
  for (const segment of target.split('/').map(decode)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (!parts.length) return null;
      parts.pop();
    } else {
      parts.push(segment);
    }
  }
  return parts.length ? parts.join('/') : null;
}

const SIZE_UNITS = ['KB', 'MB', 'GB', 'TB'];
const sizeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** "532 bytes", "12.4 KB", "3 MB" (powers of 1024, as file managers show them). */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${bytes ?? 0} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${sizeFormat.format(value)} ${SIZE_UNITS[unit]}`;
}
