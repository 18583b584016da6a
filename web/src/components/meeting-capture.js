// A live meeting's controls: while this tab records it, the level meter, the elapsed time, Stop, a hint while the
// segments catch up, the ones that could not be sent; without a microphone, why and a field for typed notes. A live
// meeting this tab does not record (reloaded, or recorded in another tab) offers Record here and Stop.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ChatIcon } from '../chat/icons.js';
import { FormError, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { CATCHING_UP_AT, capture } from '../meetings/capture.js';
import { clock, meterLevel } from '../meetings/format.js';

const DECAY = 0.8; // the meter falls back smoothly instead of flickering

function LevelMeter() {
  const [level, setLevel] = useState(0);
  const shown = useRef(0);
  useEffect(() => capture.onLevel((rms) => {
    shown.current = Math.max(meterLevel(rms), Math.round(shown.current * DECAY));
    setLevel(shown.current);
  }), []);
  return html`
    <div class="meeting-meter" role="meter" aria-label="Microphone level" aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${level} aria-valuetext=${level < 5 ? 'Silent' : `${level}%`}>
      <span class="meeting-meter-fill" style=${`width: ${level}%`}></span>
    </div>
  `;
}

/** The time since `since` (epoch ms), ticking every second; `label` is for screen readers. */
export function Elapsed({ since, label = 'Elapsed time' }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return html`<span class="meeting-elapsed">${label && html`<span class="sr-only">${label} </span>`}<time>${clock(now - since)}</time></span>`;
}

function NoteForm({ disabled }) {
  const input = useRef(null);
  const { error, setError, onSubmit } = useSubmit(async ({ note }, form) => {
    const text = note.trim();
    if (!text) return setError('Type the note first.');
    capture.addNote(text);
    form.reset();
    input.current?.focus();
  });
  return html`
    <form class="meeting-note" onSubmit=${onSubmit}>
      <label for="meeting-note">Type a note</label>
      <div class="meeting-note-row">
        <input id="meeting-note" ref=${input} class="input" name="note" autocomplete="off" maxlength="5000" disabled=${disabled}
          placeholder="What was said or decided" />
        <button type="submit" class="button" disabled=${disabled}>Add note</button>
      </div>
      <${FormError} message=${error} />
    </form>
  `;
}

function Progress({ state }) {
  if (state.phase === 'starting') return html`<span class="spinner" aria-hidden="true"></span> Starting the microphone…`;
  if (state.phase === 'stopping') return html`<span class="spinner" aria-hidden="true"></span> Sending the last audio and stopping…`;
  if (state.waiting >= CATCHING_UP_AT) {
    return html`<span class="spinner" aria-hidden="true"></span> Catching up: ${state.waiting} segments waiting to be sent.`;
  }
  return null;
}

function Failures({ failed, onRetry }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      await onRetry();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const what = failed.count === 1 ? 'A stretch of audio' : `${failed.count} stretches of audio`;
  return html`
    <div class="callout callout-bad callout-row meeting-failed" role="alert">
      <${Icon} name="alert" size=${18} />
      <p>${what} could not be transcribed: ${failed.message}${error ? ` Retrying failed: ${error}` : ''}</p>
      ${failed.serverError && html`<button type="button" class="button button-small button-secondary" disabled=${busy}
        onClick=${retry}>${busy ? 'Retrying…' : 'Retry transcription'}</button>`}
    </div>
  `;
}

/** `state` is useCapture(); `onStop()` and `onRetry()` return promises. */
export function MeetingCapture({ state, stopError, onStop, onRetry }) {
  const recording = state.phase === 'recording';
  const busy = state.phase === 'starting' || state.phase === 'stopping';
  return html`
    <div class="meeting-capture" data-phase=${state.phase}>
      <div class="meeting-capture-bar">
        <p class="meeting-live">
          <span class="meeting-live-dot" data-on=${recording ? 'true' : 'false'} aria-hidden="true"></span>
          ${recording ? 'Recording' : state.phase === 'notes' ? 'Taking notes' : 'Live'}
        </p>
        ${state.clockStart && html`<${Elapsed} since=${state.clockStart} />`}
        ${recording && html`<${LevelMeter} />`}
        <button type="button" class="button button-danger meeting-stop" disabled=${busy} onClick=${onStop}>
          <${ChatIcon} name="stop" size=${16} /> Stop
        </button>
      </div>
      <p class="meeting-progress" role="status"><${Progress} state=${state} /></p>
      <${FormError} message=${stopError} />
      ${state.failed && html`<${Failures} failed=${state.failed} onRetry=${onRetry} />`}
      ${state.mic && html`
        <div class="callout callout-bad callout-row meeting-mic" role="alert">
          <${Icon} name="alert" size=${18} /><p>${state.mic.message}</p>
          ${state.phase === 'notes' && html`<button type="button" class="button button-small button-secondary"
            onClick=${capture.retryMicrophone}>Try the microphone again</button>`}
        </div>`}
      ${state.phase === 'notes' && html`<${NoteForm} disabled=${busy} />`}
    </div>
  `;
}

/** A live meeting that nothing in this tab records. */
export function MeetingElsewhere({ meeting, recordingOther, error, busy, onResume, onStop }) {
  return html`
    <div class="meeting-capture">
      <div class="callout callout-info callout-row">
        <p>This meeting is live, but this tab is not recording it (the page was reloaded, or another tab records it).
          ${meeting.startedAt && html` Live for <${Elapsed} since=${Date.parse(meeting.startedAt)} label=${null} />.`}</p>
        <div class="meeting-elsewhere-actions">
          <button type="button" class="button button-small" disabled=${busy || recordingOther} onClick=${onResume}
            title=${recordingOther ? 'Another meeting is being recorded in this tab' : undefined}>Record here</button>
          <button type="button" class="button button-small button-danger" disabled=${busy} onClick=${onStop}>Stop meeting</button>
        </div>
      </div>
      <${FormError} message=${error} />
    </div>
  `;
}
