// SKILL.md as the form edits it: the display name (`title`), the identifier (`name`), `description`, `kind`,
// `steps` and the body. Reads the plain YAML the form writes (and what people usually write by hand: plain,
// quoted and block scalars, a list of steps); other front-matter keys are kept as they were, line for line.
// The server is the judge of what is valid: this only has to read back what it can and say so when it cannot.
// Pure: no DOM, no imports.

export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
const KNOWN = new Set(['name', 'title', 'description', 'kind', 'steps']);

/** An identifier for `text`: lower-case letters, digits and "-" ("Weekly Report!" → "weekly-report"); "" if none. */
export function slugify(text) {
  const slug = String(text || '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug;
}

/** True when `text` has at least one letter or digit, in any script. */
export const hasLetters = (text) => /[\p{L}\p{N}]/u.test(String(text || ''));

/**
 * The skill's identifier for a display name: its slug, or for a name written only in other scripts ("Отчёт")
 * "skill-" and a short hash of it; null when it has no letter or digit at all.
 */
export function identifierFor(title) {
  if (!hasLetters(title)) return null;
  const slug = slugify(title);
  if (slug) return slug;
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (const char of String(title).trim()) {
    hash ^= char.codePointAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `skill-${hash.toString(16).padStart(8, '0')}`;
}

/** The step names a workflow needs: each a slug, unique, "step-N" when none can be made. */
export function stepNames(steps) {
  const used = new Set();
  return steps.map((step, index) => {
    let name = slugify(step.name) || `step-${index + 1}`;
    for (let n = 2; used.has(name); n++) name = `${slugify(step.name) || `step-${index + 1}`}-${n}`;
    used.add(name);
    return name;
  });
}

class ReadError extends Error {}

const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

/** A scalar as YAML: plain when safe, else double-quoted (JSON's escapes are YAML's). */
export function yamlScalar(value) {
  const text = String(value);
  const plain =
    text !== '' &&
    /^[\p{L}\p{N}(][^\n]*$/u.test(text) &&
    !/:\s|\s#|:$|\s$/.test(text) &&
    !RESERVED.test(text) &&
    !/^[-+.\d][\d._eE+-]*$/.test(text) &&
    !/[\u0000-\u001f\u007f"]/.test(text);
  return plain ? text : JSON.stringify(text);
}

/** `key: value` at `indent`, with a block scalar (`|`) for text of several lines. */
function field(indent, key, value) {
  const pad = ' '.repeat(indent);
  const text = String(value ?? '');
  if (!text.includes('\n')) return `${pad}${key}: ${yamlScalar(text)}`;
  const trimmed = text.replace(/\n+$/, '');
  const chomp = text.endsWith('\n') ? '' : '-';
  const body = trimmed.split('\n').map((line) => (line ? `${pad}  ${line}` : '')).join('\n');
  return `${pad}${key}: |${chomp}\n${body}`;
}

/** The whole SKILL.md of a form's values. */
export function serialize(doc) {
  const workflow = doc.kind === 'workflow' || doc.kind === 'agent-flow';
  const lines = ['---', field(0, 'name', doc.name)];
  if (doc.title && doc.title !== doc.name) lines.push(field(0, 'title', doc.title));
  lines.push(field(0, 'description', doc.description || ''));
  if (workflow) {
    lines.push(`kind: ${doc.kind}`);
    const names = stepNames(doc.steps);
    lines.push('steps:');
    doc.steps.forEach((step, index) => {
      lines.push(`  - name: ${names[index]}`);
      lines.push(field(4, 'prompt', step.prompt || ''));
    });
  }
  if (doc.extra && doc.extra.trim()) lines.push(doc.extra.replace(/\n+$/, ''));
  lines.push('---');
  const body = doc.body || '';
  return `${lines.join('\n')}\n${body}${body.endsWith('\n') || !body ? '' : '\n'}`;
}

const indentOf = (line) => line.length - line.trimStart().length;
const blank = (line) => !line.trim() || line.trimStart().startsWith('#');

function unquote(raw, where) {
  const text = raw.trim();
  if (text.startsWith('"')) {
    const end = text.lastIndexOf('"');
    if (end <= 0) throw new ReadError(`${where}: a quote is not closed`);
    try {
      return JSON.parse(text.slice(0, end + 1).replace(/\\'/g, "'").replace(/\t/g, '\\t'));
    } catch {
      throw new ReadError(`${where}: the quoted text uses an escape the form does not know`);
    }
  }
  if (text.startsWith("'")) {
    const end = text.lastIndexOf("'");
    if (end <= 0) throw new ReadError(`${where}: a quote is not closed`);
    return text.slice(1, end).replace(/''/g, "'");
  }
  if (/^[[{&*!|>]/.test(text)) throw new ReadError(`${where}: this kind of YAML value is not something the form can show`);
  return text.replace(/\s+#.*$/, '');
}

/**
 * A value that starts at `lines[i]` after `key:` (`rest` is the text after the colon), read up to the next line at
 * `indent` or less: `{ value, next }`.
 */
function readValue(lines, i, rest, indent, where) {
  const head = rest.trim();
  let next = i + 1;
  const more = [];
  while (next < lines.length && (blank(lines[next]) || indentOf(lines[next]) > indent)) more.push(lines[next++]);
  while (more.length && !more.at(-1).trim()) {
    more.pop();
    next--;
  }
  const block = /^([|>])([+-]?)\s*(#.*)?$/.exec(head);
  if (block) {
    const inner = more.filter((line) => line.trim()).map(indentOf);
    const cut = inner.length ? Math.min(...inner) : 0;
    const text = more.map((line) => line.slice(cut)).join('\n');
    let value = block[1] === '>' ? text.replace(/([^\n])\n(?=[^\n])/g, '$1 ') : text;
    if (block[2] === '-') value = value.replace(/\n+$/, '');
    else if (block[2] === '+') value = `${value}\n`;
    else value = value ? `${value.replace(/\n+$/, '')}\n` : '';
    return { value, next };
  }
  if (head === '' && !more.some((line) => !blank(line))) return { value: '', next };
  if (head.startsWith('"') || head.startsWith("'")) {
    if (more.some((line) => !blank(line))) throw new ReadError(`${where}: quoted text over several lines`);
    return { value: unquote(head, where), next };
  }
  // A plain scalar may continue on more-indented lines, joined with spaces.
  const parts = [head, ...more.filter((line) => !blank(line)).map((line) => line.trim())].filter(Boolean);
  return { value: unquote(parts.join(' '), where), next };
}

function readSteps(lines, start, end, where) {
  const steps = [];
  let i = start;
  while (i < end) {
    if (blank(lines[i])) {
      i++;
      continue;
    }
    const item = /^(\s*)-\s+(.*)$/.exec(lines[i]);
    if (!item) throw new ReadError(`${where}: each step starts with “- name:”`);
    const itemIndent = item[1].length;
    const keyIndent = itemIndent + 2;
    // Rewrite "- key: value" as "  key: value" so the step's keys line up.
    const stepLines = [`${' '.repeat(keyIndent)}${item[2]}`];
    let j = i + 1;
    while (j < end && (blank(lines[j]) || indentOf(lines[j]) > itemIndent)) stepLines.push(lines[j++]);
    const step = { name: '', prompt: '' };
    let k = 0;
    while (k < stepLines.length) {
      if (blank(stepLines[k])) {
        k++;
        continue;
      }
      const pair = /^(\s*)([\w-]+):(?:\s+(.*)|\s*)$/.exec(stepLines[k]);
      if (!pair) throw new ReadError(`${where}: a step line the form cannot read (“${stepLines[k].trim()}”)`);
      const { value, next } = readValue(stepLines, k, pair[3] || '', pair[1].length, `${where}, step ${steps.length + 1}`);
      if (pair[2] === 'name' || pair[2] === 'prompt') step[pair[2]] = value;
      else throw new ReadError(`${where}, step ${steps.length + 1}: “${pair[2]}” is not something the form can show`);
      k = next;
    }
    steps.push(step);
    i = j;
  }
  return steps;
}

/**
 * SKILL.md as the form's values: `{ doc }`, or `{ error }` saying why the form cannot show it (the raw view
 * still can). `doc` is `{ name, title, description, kind, steps: [{ name, prompt }], body, extra }`.
 */
export function parse(content) {
  const text = String(content || '').replace(/\r\n?/g, '\n');
  const match = /^---\n(?:([\s\S]*?)\n)?---[ \t]*(?:\n|$)/.exec(text);
  if (!match) return { error: 'SKILL.md starts with its front matter between two “---” lines: the first line must be “---”.' };
  const body = text.slice(match[0].length);
  const lines = match[1] ? match[1].split('\n') : [];
  const doc = { name: '', title: '', description: '', kind: 'skill', steps: [], body, extra: '' };
  const extra = [];
  try {
    let i = 0;
    while (i < lines.length) {
      if (blank(lines[i])) {
        i++;
        continue;
      }
      if (indentOf(lines[i]) > 0) throw new ReadError(`Line ${i + 2} is indented but belongs to nothing`);
      const pair = /^([\w-]+):(?:\s+(.*)|\s*)$/.exec(lines[i]);
      if (!pair) throw new ReadError(`Line ${i + 2} is not “key: value” (“${lines[i]}”)`);
      const key = pair[1];
      if (!KNOWN.has(key)) {
        let j = i + 1;
        while (j < lines.length && (blank(lines[j]) || indentOf(lines[j]) > 0 || /^-\s/.test(lines[j]))) j++;
        extra.push(...lines.slice(i, j));
        i = j;
        continue;
      }
      if (key === 'steps') {
        if ((pair[2] || '').trim() && !/^#/.test(pair[2].trim())) {
          if (pair[2].trim() === '[]') {
            i++;
            continue;
          }
          throw new ReadError('“steps” is written in a way the form cannot show: use one “- name:” line per step');
        }
        let j = i + 1;
        while (j < lines.length && (blank(lines[j]) || indentOf(lines[j]) > 0 || /^-(\s|$)/.test(lines[j]))) j++;
        doc.steps = readSteps(lines, i + 1, j, 'Steps');
        i = j;
        continue;
      }
      const { value, next } = readValue(lines, i, pair[2] || '', 0, `“${key}”`);
      doc[key] = String(value);
      i = next;
    }
  } catch (err) {
    if (err instanceof ReadError) return { error: `${err.message}. You can still edit and save it here.` };
    throw err;
  }
  while (extra.length && blank(extra.at(-1))) extra.pop();
  doc.extra = extra.join('\n');
  if (!doc.title) doc.title = doc.name;
  doc.kind = doc.kind || 'skill';
  return { doc };
}
