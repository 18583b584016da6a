// The turns of a conversation, built from history pages and session events. Pure functions: every change
// returns new objects, so preact sees what changed.
//
// A turn: { key, turn (number, or null until the server accepts it), clientMessageId, request, phase, parts,
//           usage, costUsd, durationMs, model, error: { code, message } | null, history (loaded, not streamed) }
// phase: 'waiting' (no connection yet) | 'sending' | 'unsent' | 'accepted' | 'queued' | 'running'
//        | 'completed' | 'failed' | 'aborted'
// parts, in the order they happened: { kind: 'text', text } | { kind: 'tool', id, name, summary, state, result }
//        | { kind: 'permission', id, toolName, summary, detail, sessionRule, rule, answer }
//        | { kind: 'question', id, questions, answer } | { kind: 'notice', message }
// A tool's state: 'running' | 'done' | 'error' (it failed) | 'denied' (its permission was not given).
// A permission's answer: null while open, 'allow' | 'allowSession' (allowed for the rest of the session) | 'deny'
// | 'rule' (a rule of the session allowed it without asking; `rule` names it) | 'expired' (nobody answered).
// A question's answer: null while open, { question: label } | 'deny' | 'expired'.
// A permission's detail: what the card shows below the summary (docs/websocket-protocol.md); null from older runners.
// Its sessionRule: what "Allow for this session" would allow (e.g. `Bash(npm test)`); null when not offered.

const ENDED = new Set(['completed', 'failed', 'aborted']);
const UNSENT = new Set(['waiting', 'sending', 'unsent']);

export const isEnded = (turn) => ENDED.has(turn.phase);
export const isActive = (turn) => !ENDED.has(turn.phase) && turn.phase !== 'unsent';
/** The server has it and is working on it (or will): it can be stopped. */
export const isRunning = (turn) => ['accepted', 'queued', 'running'].includes(turn.phase);

let nextKey = 1;

/** A message the user just sent, before the server has numbered it. */
export function localTurn(request, clientMessageId, phase = 'sending') {
  return blank({ key: `local-${nextKey++}`, turn: null, clientMessageId, request, phase });
}

function blank(fields) {
  return {
    parts: [],
    usage: null,
    costUsd: null,
    durationMs: null,
    model: null,
    error: null,
    history: false,
    ...fields,
  };
}

/** A turn from GET /api/sessions/{id}/turns. */
export function historyTurn(row) {
  return blank({
    key: `turn-${row.turn}`,
    turn: row.turn,
    request: row.request,
    phase: row.status,
    parts: historyParts(row),
    usage: row.status === 'completed' ? row.usage : null,
    costUsd: row.costUsd,
    durationMs: row.durationMs,
    model: row.model,
    error: row.error ? { code: null, message: row.error } : null,
    history: true,
  });
}

/**
 * A recorded turn's parts: its answer, with what Claude did and asked (`activity`) placed where it happened
 * (`at`: the answer's characters before it, counted in code points as the server counts them).
 */
function historyParts(row) {
  const text = [...(row.response || '')];
  const parts = [];
  let from = 0;
  for (const entry of row.activity || []) {
    const at = Math.max(from, Math.min(entry.at ?? from, text.length));
    if (at > from) parts.push({ kind: 'text', text: text.slice(from, at).join('') });
    from = at;
    const part = recordedPart(entry);
    if (part) parts.push(part);
  }
  if (from < text.length) parts.push({ kind: 'text', text: text.slice(from).join('') });
  return deniedTools(parts);
}

const DENIED = new Set(['deny', 'expired']);

/**
 * Records from before denials were told apart: a tool call that "failed" right before a permission for the same
 * step that was denied (or nobody answered) was denied, not failed.
 */
function deniedTools(parts) {
  const denied = new Set();
  parts.forEach((part, index) => {
    if (part.kind !== 'permission' || !DENIED.has(part.answer)) return;
    for (let i = index - 1; i >= 0; i -= 1) {
      const tool = parts[i];
      if (tool.kind === 'tool' && tool.summary === part.summary && tool.state === 'error') {
        denied.add(i);
        break;
      }
    }
  });
  return denied.size ? parts.map((part, i) => (denied.has(i) ? { ...part, state: 'denied' } : part)) : parts;
}

const DECISIONS = new Set(['allow', 'allowSession', 'deny', 'rule']);

function recordedPart(entry) {
  switch (entry.kind) {
    case 'tool': {
      const finished = ['done', 'error', 'denied'].includes(entry.state);
      return {
        kind: 'tool', id: entry.id, name: entry.name, summary: entry.summary || entry.name,
        state: finished ? entry.state : 'error', result: finished ? entry.result ?? '' : 'It did not finish before the turn ended.',
      };
    }
    case 'permission':
      return { kind: 'permission', id: entry.id, toolName: entry.tool, summary: entry.summary, detail: null,
        sessionRule: null, rule: entry.rule ?? null, answer: DECISIONS.has(entry.decision) ? entry.decision : 'expired' };
    case 'question': {
      const questions = (entry.questions || []).map((question) => ({ question, header: '', options: [], multiSelect: false }));
      let answer = entry.answer ?? 'expired';
      if (typeof answer === 'string' && answer !== 'deny' && answer !== 'expired') answer = { [questions[0]?.question ?? '']: answer };
      return { kind: 'question', id: entry.id, questions, answer };
    }
    case 'notice':
      return { kind: 'notice', message: entry.message };
    default:
      return null;
  }
}

/** Numbered turns in order, then the ones still waiting for their number. */
function ordered(turns) {
  const numbered = turns.filter((t) => t.turn !== null).sort((a, b) => a.turn - b.turn);
  return [...numbered, ...turns.filter((t) => t.turn === null)];
}

/** Merges an older history page (as turns) in front of the turns already shown. */
export function withOlder(turns, older) {
  const known = new Set(turns.map((t) => t.turn));
  return ordered([...older.filter((turn) => !known.has(turn.turn)), ...turns]);
}

function update(turns, match, change) {
  let found = false;
  const next = turns.map((turn) => {
    if (found || !match(turn)) return turn;
    found = true;
    return { ...turn, ...change(turn) };
  });
  return found ? next : null;
}

const byNumber = (number) => (turn) => turn.turn === number;

function withPart(parts, part) {
  const last = parts.at(-1);
  if (part.kind !== 'text' || last?.kind !== 'text') return [...parts, part];
  return [...parts.slice(0, -1), { ...last, text: last.text + part.text }];
}

function mapParts(turn, kind, id, change) {
  return turn.parts.map((part) => (part.kind === kind && part.id === id ? { ...part, ...change } : part));
}

function accepted(turns, event) {
  const phase = event.queued ? 'queued' : 'accepted';
  const mine = event.clientMessageId && ((t) => t.turn === null && t.clientMessageId === event.clientMessageId);
  const change = (turn) => ({
    key: turn.key,
    turn: event.turn,
    request: event.message,
    phase: UNSENT.has(turn.phase) || turn.phase === 'accepted' || turn.phase === 'queued' ? phase : turn.phase,
    // A turn loaded from history while it ran is rebuilt from its events, which start here.
    parts: turn.history && !ENDED.has(turn.phase) ? [] : turn.parts,
  });
  const next = (mine && update(turns, mine, change)) || update(turns, byNumber(event.turn), change);
  if (next) return ordered(next);
  const { turn: number, clientMessageId, message: request } = event;
  return ordered([...turns, blank({ key: `turn-${number}`, turn: number, clientMessageId, request, phase })]);
}

/** Applies one session event (in seq order) to the turns; returns them unchanged when it is not about a turn. */
export function applyEvent(turns, event) {
  if (event.type === 'message.accepted') return accepted(turns, event);
  if (typeof event.turn !== 'number') return turns;
  const change = TURN_EVENTS[event.type];
  if (!change) return turns;
  return update(turns, byNumber(event.turn), (turn) => change(turn, event)) ?? turns;
}

const ASKS = new Set(['permission', 'question']);
/** Questions nobody answered before the turn ended are moot. */
const finishedPermissions = (turn) =>
  turn.parts.map((part) => (ASKS.has(part.kind) && !part.answer ? { ...part, answer: 'expired' } : part));

const TURN_EVENTS = {
  'turn.started': () => ({ phase: 'running' }),
  'text.delta': (turn, e) => ({
    ...(turn.phase === 'accepted' || turn.phase === 'queued' ? { phase: 'running' } : {}),
    parts: withPart(turn.parts, { kind: 'text', text: e.text || '' }),
  }),
  'tool.use': (turn, e) => {
    const tool = { kind: 'tool', id: e.toolUseId, name: e.name, summary: e.summary || e.name, state: 'running', result: null };
    return { parts: withPart(turn.parts, tool) };
  },
  'tool.result': (turn, e) => {
    const state = !e.isError ? 'done' : e.denied ? 'denied' : 'error';
    return { parts: mapParts(turn, 'tool', e.toolUseId, { state, result: e.summary || '' }) };
  },
  'permission.request': (turn, e) => {
    const { requestId: id, toolName, summary } = e;
    const ask = { kind: 'permission', id, toolName, summary, detail: e.detail ?? null,
      sessionRule: e.sessionRule ?? null, rule: null, answer: null };
    return { parts: withPart(turn.parts, ask) };
  },
  'permission.granted': (turn, e) => {
    const { requestId: id, toolName, summary } = e;
    const granted = { kind: 'permission', id, toolName, summary, detail: null, sessionRule: null, rule: e.rule ?? null,
      answer: 'rule' };
    return { parts: withPart(turn.parts, granted) };
  },
  question: (turn, e) => ({
    parts: withPart(turn.parts, { kind: 'question', id: e.requestId, questions: e.questions || [], answer: null }),
  }),
  notice: (turn, e) => ({ parts: withPart(turn.parts, { kind: 'notice', message: e.message }) }),
  'turn.done': (turn, e) => ({
    phase: e.status === 'completed' || !ENDED.has(e.status) ? 'completed' : e.status,
    usage: e.usage ?? null,
    costUsd: e.costUsd ?? null,
    durationMs: e.durationMs ?? null,
    model: e.model ?? null,
    parts: finishedPermissions(turn),
  }),
  'turn.aborted': (turn) => ({ phase: 'aborted', parts: finishedPermissions(turn) }),
  error: (turn, e) => ({
    phase: 'failed',
    error: { code: e.code || null, message: e.message },
    parts: finishedPermissions(turn),
  }),
};

/** Records the user's answer to a permission request or a question (the server sends no event for it). */
export function answered(turns, number, requestId, answer) {
  const withAnswer = (part) => (ASKS.has(part.kind) && part.id === requestId ? { ...part, answer } : part);
  return update(turns, byNumber(number), (turn) => ({ parts: turn.parts.map(withAnswer) })) ?? turns;
}

/** Whether the turn waits for the person: a permission or a question nobody has answered yet. */
export const isAsking = (turn) => turn.parts.some((part) => ASKS.has(part.kind) && !part.answer);

/** Changes the phase (and error) of a message that has no number yet. */
export function setLocal(turns, key, change) {
  return update(turns, (turn) => turn.key === key, () => change) ?? turns;
}

/** Changes one numbered turn (e.g. "stopping" once an abort is acknowledged). */
export function patchTurn(turns, number, change) {
  return update(turns, byNumber(number), () => change) ?? turns;
}
