// The one meeting this tab is capturing, for the whole page: recording goes on while another screen is open, and
// the Meetings screen finds it again when it comes back. Audio segments and typed notes share one seq counter and
// one queue, so the server receives them in the order they were made.
//
// Phases: idle → starting → recording (the microphone) | notes (no microphone: typed notes only) → stopping → idle.
// A 409 on a segment (the meeting is no longer active: stopped in another tab) ends the capture at once.
import { useEffect, useState } from 'preact/hooks';
import { onSessionEnded } from '../api.js';
import { meetingsApi } from './api.js';
import { SegmentQueue } from './queue.js';
import { MIC_MESSAGES, MicrophoneError, Recorder, closeMicrophone, openMicrophone } from './recorder.js';

export const CATCHING_UP_AT = 3; // segments waiting (the one in flight included) before the page says so
const LOST_MIC = 'The microphone stopped (unplugged, or turned off in the browser): type notes below, or try it again.';

const IDLE = Object.freeze({
  meetingId: null,
  phase: 'idle',
  mic: null, // { kind, message } when the microphone could not be used
  waiting: 0, // segments not yet sent, the one in flight included
  failed: null, // { count, message, serverError } for the segments given up
  clockStart: null, // Date.now() at the meeting's 0:00
  ended: null, // { meetingId, reason } when the server ended the capture
});

let state = IDLE;
let session = null; // { meetingId, queue, recorder, nextSeq, offsetMs }
const listeners = { state: new Set(), level: new Set(), lines: new Set() };

function set(patch) {
  state = Object.freeze({ ...state, ...patch });
  for (const listener of listeners.state) listener(state);
}

function emit(kind, ...args) {
  for (const listener of listeners[kind]) listener(...args);
}

function subscribe(kind, listener) {
  listeners[kind].add(listener);
  return () => listeners[kind].delete(listener);
}

const send = (item) => (item.blob ? meetingsApi.postAudio(item) : meetingsApi.postText(item));

function onFailed(item, error) {
  if (error.status === 409) {
    end('The meeting is no longer live (it was stopped elsewhere), so recording stopped.');
    return;
  }
  const count = (state.failed?.count || 0) + 1;
  const serverError = error.status >= 500; // the server has the audio, or can be asked to try again
  set({ failed: { count, message: error.message, serverError: serverError || Boolean(state.failed?.serverError) } });
}

function newSession(meetingId, nextSeq, offsetMs) {
  const queue = new SegmentQueue({
    send,
    onSent: (item, answer) => emit('lines', item.meetingId, answer?.lines || []),
    onFailed,
    onChange: (waiting) => set({ waiting }),
  });
  return { meetingId, queue, recorder: null, nextSeq, offsetMs };
}

function enqueue(fields) {
  session.queue.push({ meetingId: session.meetingId, seq: session.nextSeq, ...fields });
  session.nextSeq += 1;
}

async function record(stream) {
  const mine = session;
  const recorder = new Recorder({
    onSegment: ({ blob, startMs, endMs }) => session === mine && enqueue({ blob, startMs: mine.offsetMs + startMs, endMs: mine.offsetMs + endMs }),
    onLevel: (rms) => emit('level', rms),
    onEnded: () => session === mine && lostMicrophone(),
  });
  await recorder.start(stream);
  mine.recorder = recorder;
}

async function lostMicrophone() {
  const recorder = session.recorder;
  session.recorder = null;
  set({ phase: 'notes', mic: { kind: 'lost', message: LOST_MIC } });
  await recorder?.stop();
}

/** Starts capturing `meeting` from `offsetMs` into it; `stream` is null when the microphone could not be had. */
async function begin(meeting, { stream, mic, offsetMs, nextSeq }) {
  session = newSession(meeting.meetingId, nextSeq, offsetMs);
  let problem = mic;
  if (stream) {
    try {
      await record(stream);
    } catch (error) {
      closeMicrophone(stream);
      problem = new MicrophoneError('unavailable', error);
    }
  }
  set({
    meetingId: meeting.meetingId,
    phase: session.recorder ? 'recording' : 'notes',
    mic: problem ? { kind: problem.kind, message: problem.message || MIC_MESSAGES.unavailable } : null,
    clockStart: Date.now() - offsetMs,
  });
}

async function microphone() {
  try {
    return { stream: await openMicrophone(), mic: null };
  } catch (error) {
    return { stream: null, mic: error };
  }
}

/** Lets go of everything without telling the server (the session ended, or the server ended the meeting). */
function end(reason) {
  const ending = session;
  session = null;
  ending?.queue.clear();
  ending?.recorder?.stop();
  set({ ...IDLE, ended: reason && ending ? { meetingId: ending.meetingId, reason } : null });
}

export const capture = {
  get state() {
    return state;
  },
  subscribe: (listener) => subscribe('state', listener),
  /** `listener(rms)` about 12 times a second while recording. */
  onLevel: (listener) => subscribe('level', listener),
  /** `listener(meetingId, lines)` for the lines each segment's answer carries. */
  onLines: (listener) => subscribe('lines', listener),

  /** Asks for the microphone, starts a meeting and captures it; resolves with the meeting. */
  async start(fields) {
    if (state.phase !== 'idle') throw new Error('A meeting is being recorded already: stop it first.');
    set({ ...IDLE, phase: 'starting' });
    const { stream, mic } = await microphone();
    let meeting;
    try {
      meeting = await meetingsApi.start(fields);
    } catch (error) {
      closeMicrophone(stream);
      set(IDLE);
      throw error;
    }
    await begin(meeting, { stream, mic, offsetMs: 0, nextSeq: 1 });
    return meeting;
  },

  /** Captures a meeting that is still live (after a reload, or recorded in another tab) from its `lastSeq`. */
  async resume(meeting, lastSeq) {
    if (state.phase !== 'idle') throw new Error('A meeting is being recorded already: stop it first.');
    set({ ...IDLE, meetingId: meeting.meetingId, phase: 'starting' });
    const { stream, mic } = await microphone();
    const offsetMs = Math.max(0, Date.now() - Date.parse(meeting.startedAt)) || 0;
    await begin(meeting, { stream, mic, offsetMs, nextSeq: lastSeq + 1 });
  },

  /** In notes mode: asks for the microphone again (allowed since, or plugged back in) and records from now on. */
  async retryMicrophone() {
    if (!session || state.phase !== 'notes') return;
    const { stream, mic } = await microphone();
    if (!stream) {
      set({ mic: { kind: mic.kind, message: mic.message } });
      return;
    }
    session.offsetMs = Date.now() - state.clockStart;
    try {
      await record(stream);
      set({ phase: 'recording', mic: null });
    } catch (error) {
      closeMicrophone(stream);
      set({ mic: { kind: 'unavailable', message: new MicrophoneError('unavailable', error).message } });
    }
  },

  /** A typed note, sent in its place among the segments. */
  addNote(text) {
    if (!session || state.phase === 'stopping') throw new Error('The meeting is not being recorded here.');
    const at = Date.now() - state.clockStart;
    enqueue({ text, startMs: at, endMs: at });
  },

  /** Sends the last audio and every waiting segment, then stops the meeting; resolves with the stopped meeting. */
  async stop() {
    if (!session || state.phase === 'stopping') return null;
    const stopping = session;
    set({ phase: 'stopping' });
    await stopping.recorder?.stop();
    await stopping.queue.drained();
    try {
      return await meetingsApi.stop(stopping.meetingId);
    } finally {
      if (session === stopping) {
        session = null;
        set(IDLE);
      }
    }
  },

  /** Forgets a capture the server ended (a 409, seen elsewhere) or that nobody may send any more. */
  abandon: (reason = null) => session && end(reason),
  /** Clears the note about the last capture's end. */
  acknowledge: () => state.ended && set({ ended: null }),
  /** Clears the segments given up (after the server was asked to transcribe them again). */
  clearFailures: () => state.failed && set({ failed: null }),
};

onSessionEnded(() => capture.abandon());

window.addEventListener('beforeunload', (event) => {
  if (state.phase === 'idle' && !state.waiting) return;
  event.preventDefault(); // the browser asks before recording (or unsent audio) is lost
  event.returnValue = '';
});

/** The capture's state; re-renders on every change. */
export function useCapture() {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    setCurrent(state);
    return capture.subscribe(setCurrent);
  }, []);
  return current;
}
