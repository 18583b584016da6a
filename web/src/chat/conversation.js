// The open conversation: one session of a project (or a new chat), kept in step with the server.
//
// History comes page by page from GET /api/sessions/{id}/turns; everything live comes over the WebSocket as
// session events, put in order by the Sequencer. The connection follows one session at a time: opening a session
// sends session.resume, and so does every reconnect, from the last seq seen, so no text is lost or doubled.
import { notify } from '../notices.js';
import { realtime } from '../realtime.js';
import { plainError } from './errors.js';
import { Loaded, fetchTurns } from './history.js';
import { Sequencer } from './sequencer.js';
import { answered, applyEvent, isEnded, localTurn, patchTurn, setLocal, withOlder } from './turns.js';

const LIVE = new Set(['connected', 'degraded']);
const TURN_ENDS = new Set(['turn.done', 'turn.aborted', 'error']);
// Errors of other actions: a refused chat.send is any other error without a session (the API does not say which).
const NOT_ABOUT_SENDING = new Set(['nothing_to_abort', 'turn_finished', 'turn_not_found']);
const DROPPED = 'The connection dropped before this message was confirmed. Send it again?';
// A session (or a project's next new chat) is prewarmed at most this often: the runner keeps a started process
// for many minutes, so asking again sooner only costs a queue message.
const PREWARM_EVERY_MS = 60_000;

// older: 'idle' | 'loading' | 'error' (the page before the oldest shown). personaId and guideIds: what a new chat
// applies from its first message (an open chat's own are in its settings, components/chat-session-settings.js).
const EMPTY = Object.freeze({
  projectId: null, sessionId: null, title: null, permissionMode: 'default', personaId: null, guideIds: [], turns: [],
  loading: false, loadError: null, nextBefore: null, older: 'idle', olderError: null,
});

/** The fields of a new chat's first chat.send that carry its settings (only those chosen). */
function newChatFields(permissionMode, personaId, guideIds) {
  const fields = { permissionMode };
  if (personaId) fields.personaId = personaId;
  if (guideIds.length) fields.guideIds = guideIds;
  return fields;
}

function randomId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Conversation {
  #state = EMPTY;
  #listeners = new Set();
  #sequencer = new Sequencer((sessionId, lastSeq) => this.#sendResume(sessionId, lastSeq));
  #loaded = new Loaded(); // turns the history pages show whole: their replayed events are ignored
  #awaitingNew = null; // the clientMessageId whose chat.send creates the new chat's session
  #retired = new Set(); // sessions opened earlier in this page: their late events are not ours any more
  #serial = 0; // bumps on every open / new chat, so a slow page for an old session is dropped
  #entry = null;
  #status = realtime.state.status;
  #droppedAt = 0;
  #prewarmed = new Map(); // sessionId or project:<id> → when chat.prewarm was last sent for it
  #reserved = null; // { projectId, sessionId }: the id the runner prewarmed the project's next new chat under
  #unsubscribe = [];
  /** Called when the list of sessions may have changed (a new session, a turn that ended). */
  onSessionsChanged = () => {};

  get state() {
    return this.#state;
  }

  subscribe(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start() {
    this.#status = realtime.state.status;
    this.#unsubscribe = [
      realtime.on('*', (event) => this.#onEvent(event)),
      realtime.onState((state) => this.#onConnection(state)),
    ];
  }

  stop() {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }

  /** A new, empty chat in `projectId` (null when no project is picked). */
  newChat(projectId, permissionMode = 'default') {
    this.#leave();
    this.#set({ ...EMPTY, projectId, permissionMode });
  }

  /** Opens a session from the project's list: its last page of turns, then its live events. */
  async open(projectId, session) {
    this.#leave();
    const serial = this.#serial;
    this.#entry = { projectId, session };
    this.#retired.delete(session.id);
    const { title, permissionMode } = session;
    this.#set({ ...EMPTY, projectId, sessionId: session.id, title, permissionMode, loading: true });
    let page;
    try {
      page = await fetchTurns(session.id);
    } catch (error) {
      if (serial === this.#serial) this.#set({ loading: false, loadError: error.message });
      return;
    }
    if (serial !== this.#serial) return;
    this.#loaded.add(page.turns, page.nextBefore);
    // A turn in progress is rebuilt from its logged events; otherwise only what comes after the list's seq matters.
    const inProgress = session.status === 'running' || page.turns.some((turn) => !isEnded(turn));
    this.#sequencer.reset(session.id, inProgress ? 0 : session.lastSeq || 0);
    this.#set({ turns: page.turns, loading: false, nextBefore: page.nextBefore });
    this.#sequencer.resume(session.id);
    this.prewarm();
  }

  /**
   * Lets the runner start Claude for the open chat before its next message (the person opened it, or is about to
   * write the first message of a new one). Best effort: nothing shows, and a refusal is ignored.
   */
  prewarm() {
    const { sessionId, projectId } = this.#state;
    if (!sessionId && (!projectId || this.#reserved?.projectId === projectId)) return;
    const key = sessionId || `project:${projectId}`;
    const now = Date.now();
    if (now - (this.#prewarmed.get(key) ?? -Infinity) < PREWARM_EVERY_MS) return;
    if (realtime.send('chat.prewarm', sessionId ? { sessionId } : { projectId })) this.#prewarmed.set(key, now);
  }

  /** Tries the first page again after it failed. */
  reload() {
    const entry = this.#entry;
    if (entry && this.#state.sessionId === entry.session.id) this.open(entry.projectId, entry.session);
  }

  /** The next older page of turns (scrolling up). */
  async loadOlder() {
    const { sessionId, nextBefore, older } = this.#state;
    if (!sessionId || !nextBefore || older === 'loading') return;
    const serial = this.#serial;
    this.#set({ older: 'loading', olderError: null });
    let page;
    try {
      page = await fetchTurns(sessionId, nextBefore);
    } catch (error) {
      if (serial === this.#serial) this.#set({ older: 'error', olderError: error.message });
      return;
    }
    if (serial !== this.#serial) return;
    this.#loaded.add(page.turns, page.nextBefore);
    this.#set({ turns: withOlder(this.#state.turns, page.turns), nextBefore: page.nextBefore, older: 'idle' });
  }

  setTitle(title) {
    this.#set({ title });
  }

  /** The mode of the open chat: picked for a new one, or saved in its settings for an existing one. */
  setPermissionMode(permissionMode) {
    this.#set({ permissionMode });
  }

  /** A new chat's settings, chosen before its first message and sent with it. */
  setNewChatSettings({ permissionMode, personaId, guideIds }) {
    if (this.#state.sessionId) return;
    this.#set({ permissionMode, personaId: personaId || null, guideIds: [...(guideIds || [])] });
  }

  /** Sends a message: at once when connected, otherwise as soon as the connection is back. */
  send(text) {
    if (!this.#state.projectId) return;
    this.#setTurns((turns) => [...turns, localTurn(text, randomId(), 'waiting')]);
    this.#flush();
  }

  /** Sends an unsent message again (as a new message). */
  retry(key) {
    const turn = this.#state.turns.find((t) => t.key === key);
    if (!turn) return;
    this.discard(key);
    this.send(turn.request);
  }

  discard(key) {
    this.#setTurns((turns) => turns.filter((t) => t.key !== key));
  }

  abort() {
    const { sessionId } = this.#state;
    return Boolean(sessionId) && realtime.send('chat.abort', { sessionId });
  }

  /** Answers a permission request or a question; false when the connection is down (the buttons stay). */
  answer(turn, requestId, answer) {
    const { sessionId } = this.#state;
    // "Allow for this session" is an allow with scope "session" (docs/websocket-protocol.md).
    const reply = answer === 'allowSession' ? { answer: 'allow', scope: 'session' } : { answer };
    if (!sessionId || !realtime.send('chat.answer', { sessionId, turn, questionId: requestId, ...reply })) return false;
    this.#setTurns((turns) => answered(turns, turn, requestId, answer));
    return true;
  }

  #set(patch) {
    this.#state = Object.freeze({ ...this.#state, ...patch });
    for (const listener of this.#listeners) listener(this.#state);
  }

  #setTurns(change) {
    this.#set({ turns: change(this.#state.turns) });
  }

  #leave() {
    this.#serial += 1;
    if (this.#state.sessionId) this.#retired.add(this.#state.sessionId);
    this.#awaitingNew = null;
    this.#entry = null;
    this.#loaded = new Loaded();
  }

  #sendResume(sessionId, lastSeq) {
    if (sessionId !== this.#state.sessionId) return false; // a new chat's first events: seq 1 is on its way
    return realtime.send('session.resume', { sessionId, lastSeq });
  }

  /** Sends the messages that wait: all of them once the session exists; for a new chat, only the first. */
  #flush() {
    for (const turn of this.#state.turns.filter((t) => t.phase === 'waiting')) {
      const { sessionId, projectId, permissionMode, personaId, guideIds } = this.#state;
      if (!sessionId) {
        this.#awaitingNew ??= turn.clientMessageId;
        if (this.#awaitingNew !== turn.clientMessageId) continue; // sent once its session exists
      }
      const fields = { projectId, message: turn.request, clientMessageId: turn.clientMessageId };
      const reserved = !sessionId && this.#reserved?.projectId === projectId ? this.#reserved.sessionId : null;
      if (sessionId) fields.sessionId = sessionId;
      else Object.assign(fields, newChatFields(permissionMode, personaId, guideIds));
      if (reserved) fields.newSessionId = reserved;
      if (!realtime.send('chat.send', fields)) return;
      if (reserved) this.#reserved = null; // one new chat per reserved id
      this.#setTurns((turns) => setLocal(turns, turn.key, { phase: 'sending', sentAt: Date.now() }));
    }
  }

  #onEvent(event) {
    if (event.type === 'session.prewarming' || event.action === 'chat.prewarm') return this.#onPrewarm(event);
    if (event.type === 'error' && !event.sessionId) return this.#refused(event);
    if (!event.sessionId) return;
    if (event.sessionId !== this.#state.sessionId && !this.#adoptable(event)) {
      if (event.type === 'session.created') this.onSessionsChanged();
      return;
    }
    for (const released of this.#sequencer.accept(event)) this.#apply(released);
  }

  /** A new chat's id, reserved with its prewarmed process, is kept for the project's next first message. */
  #onPrewarm(event) {
    if (event.type === 'session.prewarming' && event.new) {
      this.#reserved = { projectId: event.projectId, sessionId: event.sessionId };
    }
  }

  /** An event of a session we do not know yet may be the new chat's. */
  #adoptable(event) {
    return !this.#state.sessionId && this.#awaitingNew !== null && !this.#retired.has(event.sessionId);
  }

  #apply(event) {
    const state = this.#state;
    if (event.sessionId !== state.sessionId) {
      const ours = event.type === 'session.created' && event.projectId === state.projectId && !state.sessionId;
      if (ours) this.#adopt(event);
      return;
    }
    if (event.type === 'session.created') return this.#set({ title: event.title });
    if (event.type === 'session.updated') return this.#updated(event);
    if (event.type === 'session.resumed') return this.#resumed();
    if (event.type === 'abort.requested') {
      return this.#setTurns((turns) => patchTurn(turns, event.turn, { stopping: true }));
    }
    const numbered = typeof event.turn === 'number';
    if (event.type === 'error' && !numbered) return notify({ message: plainError(event).message, code: event.code });
    if (numbered && this.#loaded.covers(event.turn)) return;
    if (event.type === 'error') return this.#failed(event);
    this.#setTurns((turns) => applyEvent(turns, event));
    if (TURN_ENDS.has(event.type)) this.onSessionsChanged();
  }

  /** The session was named (from its first exchange): the header and the list follow. */
  #updated(event) {
    if (event.title) this.#set({ title: event.title });
    this.onSessionsChanged();
  }

  /**
   * A turn that ended in an error: the error in plain words, and without the text that only repeated the server's
   * message (the CLI writes API errors as text too).
   */
  #failed(event) {
    const error = plainError(event);
    const echo = (part) => part.kind === 'text' && part.text.trim() && (event.message || '').includes(part.text.trim());
    this.#setTurns((turns) => {
      const next = applyEvent(turns, event);
      const turn = next.find((t) => t.turn === event.turn);
      return turn ? patchTurn(next, event.turn, { error, parts: turn.parts.filter((part) => !echo(part)) }) : next;
    });
    this.onSessionsChanged();
  }

  #adopt(event) {
    this.#awaitingNew = null;
    this.#set({ sessionId: event.sessionId, title: event.title });
    this.onSessionsChanged();
    this.#flush(); // messages written meanwhile go to the new session
  }

  /** After a replay: a message sent on the old connection that the server never accepted did not arrive. */
  #resumed() {
    const lost = this.#state.turns.filter((t) => t.phase === 'sending' && t.sentAt <= this.#droppedAt);
    if (lost.some((t) => t.clientMessageId === this.#awaitingNew)) this.#awaitingNew = null;
    const unsent = { phase: 'unsent', error: { code: null, message: DROPPED } };
    for (const turn of lost) this.#setTurns((turns) => setLocal(turns, turn.key, unsent));
  }

  #refused(event) {
    if (NOT_ABOUT_SENDING.has(event.code)) return;
    const sending = this.#state.turns.find((t) => t.phase === 'sending');
    if (!sending) return;
    if (this.#awaitingNew === sending.clientMessageId) this.#awaitingNew = null;
    const error = plainError({ code: event.code, message: event.message || 'The message was refused.' });
    this.#setTurns((turns) => setLocal(turns, sending.key, { phase: 'unsent', error }));
    this.#flush();
  }

  #onConnection({ status }) {
    const was = this.#status;
    this.#status = status;
    if (LIVE.has(was) && !LIVE.has(status)) this.#droppedAt = Date.now();
    if (status !== 'connected' || LIVE.has(was)) return;
    const { sessionId, loading } = this.#state;
    if (sessionId && !loading) this.#sequencer.resume(sessionId);
    if (!sessionId) this.#resumed(); // a new chat has nothing to replay: what did not arrive is lost
    this.#flush();
  }
}
