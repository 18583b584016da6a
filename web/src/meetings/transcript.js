// Transcript lines from every source (a segment's answer, `meeting.transcript` events, the transcript route) kept
// once each and in order: by seq, then by where they start. A line that comes again replaces the one held.

const lineKey = (line) => `${line.seq}:${line.startMs ?? 0}`;

function compareLines(a, b) {
  return (a.seq ?? 0) - (b.seq ?? 0) || (a.startMs ?? 0) - (b.startMs ?? 0);
}

/** `lines` with `incoming` merged in; the same array when nothing was added or changed. */
export function mergeLines(lines, incoming) {
  const usable = (incoming || []).filter((line) => line && typeof line.text === 'string' && Number.isFinite(line.seq));
  if (!usable.length) return lines;
  const byKey = new Map(lines.map((line) => [lineKey(line), line]));
  let changed = false;
  for (const line of usable) {
    const held = byKey.get(lineKey(line));
    if (held && held.text === line.text && held.speaker === line.speaker) continue;
    byKey.set(lineKey(line), line);
    changed = true;
  }
  return changed ? [...byKey.values()].sort(compareLines) : lines;
}

/** The highest seq in `lines` (0 for none). */
export function lastSeq(lines) {
  return lines.reduce((highest, line) => Math.max(highest, line.seq ?? 0), 0);
}

/**
 * The highest seq the meeting has used, for capture to go on after it: the server's `lastSeq` when it gives one,
 * else what its counts, failed segments and lines show (a silent segment leaves no line).
 */
export function highestSeq(meeting, lines) {
  const failed = meeting?.failedSegments || [];
  return Math.max(meeting?.lastSeq ?? 0, (meeting?.segmentCount ?? 0) + failed.length, ...failed, lastSeq(lines));
}
