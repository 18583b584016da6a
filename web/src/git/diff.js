// `git diff` text read line by line, for the viewer: each line's kind (insert, delete, equal, hunk, meta, note) and
// its numbers in the old and the new file. A conflicted file's combined diff ("@@@", two sign columns) reads too:
// a line with a "+" in either column is added, with a "-" removed.

const HUNK = /^@@+ -(\d+)(?:,\d+)? (?:-\d+(?:,\d+)? )*\+(\d+)(?:,\d+)? @@+/;

/** `[{ kind, text, old, new }]` for unified (or combined) diff text. */
export function parseDiff(text) {
  const lines = [];
  let inHunk = false;
  let columns = 1; // sign columns: 1 for a diff, 2 (or more) for a merge's combined diff
  let oldLine = 0;
  let newLine = 0;
  const source = String(text ?? '').replace(/\n$/, '');
  if (!source) return lines;
  for (const raw of source.split('\n')) {
    const hunk = HUNK.exec(raw);
    if (hunk) {
      inHunk = true;
      columns = /^@+/.exec(raw)[0].length - 1;
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      lines.push({ kind: 'hunk', text: raw, old: null, new: null });
      continue;
    }
    if (!inHunk || raw.startsWith('diff ')) {
      inHunk = false;
      lines.push({ kind: 'meta', text: raw, old: null, new: null });
      continue;
    }
    if (raw.startsWith('\\')) {
      lines.push({ kind: 'note', text: raw.slice(1).trim(), old: null, new: null });
      continue;
    }
    const signs = raw.slice(0, columns);
    const body = raw.slice(columns);
    if (signs.includes('+')) {
      lines.push({ kind: 'insert', text: body, old: null, new: newLine++ });
    } else if (signs.includes('-')) {
      lines.push({ kind: 'delete', text: body, old: oldLine++, new: null });
    } else {
      lines.push({ kind: 'equal', text: body, old: oldLine++, new: newLine++ });
    }
  }
  return lines;
}

/** How many lines were added and removed. */
export function countChanges(lines) {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === 'insert') added += 1;
    else if (line.kind === 'delete') removed += 1;
  }
  return { added, removed };
}
