// How the viewer shows a file, from its extension: Markdown, an image, highlighted code, or plain text.
import { extensionOf } from './paths.js';

export const IMAGE_TYPES = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml', // only ever shown as <img>, which runs no script
};

const MARKDOWN = new Set(['md', 'markdown', 'mdown', 'mkd']);

// highlight.js names (its common bundle) for extensions it does not know as aliases itself.
const LANGUAGES = {
  py: 'python', js: 'javascript', ts: 'typescript', sh: 'bash', html: 'xml', md: 'markdown',
  mjs: 'javascript', cjs: 'javascript', jsx: 'javascript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  pyi: 'python', ipynb: 'json', jsonl: 'json', geojson: 'json', toml: 'ini', cfg: 'ini', conf: 'ini', env: 'ini',
  h: 'c', hpp: 'cpp', cc: 'cpp', cxx: 'cpp', hh: 'cpp', htm: 'xml', xhtml: 'xml', svg: 'xml', vue: 'xml',
  zsh: 'bash', ksh: 'bash', mk: 'makefile', patch: 'diff', gql: 'graphql', yml: 'yaml', rs: 'rust', kt: 'kotlin',
  kts: 'kotlin', rb: 'ruby', pl: 'perl', pm: 'perl', cs: 'csharp', vb: 'vbnet', m: 'objectivec', r: 'r',
};
const CODE = new Set([
  'js', 'ts', 'py', 'sh', 'bash', 'json', 'css', 'scss', 'less', 'html', 'xml', 'yaml', 'sql', 'go', 'java', 'c',
  'cpp', 'php', 'swift', 'lua', 'ini', 'diff', 'graphql', 'wasm', 'makefile', 'dockerfile',
  ...Object.keys(LANGUAGES),
]);
const NAMED = { makefile: 'makefile', dockerfile: 'dockerfile', gemfile: 'ruby', rakefile: 'ruby' };

/** 'markdown' | 'image' | 'code' | 'text' for a text file; images are also looked at when binary. */
export function viewKind(path) {
  const ext = extensionOf(path);
  if (ext in IMAGE_TYPES) return 'image';
  if (MARKDOWN.has(ext)) return 'markdown';
  if (CODE.has(ext) || languageOf(path)) return 'code';
  return 'text';
}

/** The highlight.js language for a code file, or null (plain text). */
export function languageOf(path) {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (NAMED[name]) return NAMED[name];
  const ext = extensionOf(path);
  if (!ext) return null;
  return LANGUAGES[ext] || (CODE.has(ext) ? ext : null);
}
