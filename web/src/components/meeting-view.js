// One meeting on the Meetings screen: its title, status and date; while live, the capture controls (or Record here
// when this tab does not record it); the analysis once stopped; the transcript and the advice.
import { useEffect, useRef, useState } from 'preact/hooks';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { meetingsApi } from '../meetings/api.js';
import { capture } from '../meetings/capture.js';
import { clock, meetingTitle } from '../meetings/format.js';
import { highestSeq } from '../meetings/transcript.js';
import { useMeeting } from '../meetings/use-meeting.js';
import { MeetingAdvice } from './meeting-advice.js';
import { MeetingAnalysis } from './meeting-analysis.js';
import { MeetingCapture, MeetingElsewhere } from './meeting-capture.js';
import { MeetingStatus } from './meeting-list.js';
import { MeetingTranscript } from './meeting-transcript.js';

function Header({ meeting, projectName, recording, children }) {
  const stopped = meeting.startedAt && meeting.stoppedAt;
  return html`
    <section class="card meeting-head" aria-labelledby="meeting-title">
      <h2 id="meeting-title" tabindex="-1">${meetingTitle(meeting)}</h2>
      <p class="meeting-meta">
        ${recording ? html`<span class="badge meeting-badge" data-status="recording">Recording</span>` : html`<${MeetingStatus} meeting=${meeting} />`}
        <${DateText} value=${meeting.startedAt} empty="Not started" />
        ${stopped && html`<span>${clock(Date.parse(meeting.stoppedAt) - Date.parse(meeting.startedAt))} long</span>`}
        ${meeting.stoppedAutomatically && html`<span>stopped after two hours without sound</span>`}
        ${projectName && html`<span>in ${projectName}</span>`}
      </p>
      ${children}
    </section>
  `;
}

/** What the transcript says while it holds no line. */
function emptyTranscript(meeting, phase) {
  if (phase === 'notes') return 'Your notes appear here as you add them.';
  if (phase || meeting.status === 'active') return 'Listening… the first lines appear a few seconds after someone speaks.';
  return 'Nothing was transcribed in this meeting.';
}

/**
 * `cap` is useCapture(); `title` is the list's (renamed there); `focus` moves focus to the title once the meeting
 * shows (it was opened or started).
 */
export function MeetingView({ meetingId, title, cap, projects, focus, onMeeting, onGone }) {
  const capturing = cap.meetingId === meetingId && cap.phase !== 'idle';
  const view = useMeeting(meetingId, { capturing, onMeeting });
  const { meeting, lines } = view;
  const [stopError, setStopError] = useState(null);
  const [busy, setBusy] = useState(false);

  const wasCapturing = useRef(capturing);
  useEffect(() => {
    if (wasCapturing.current && !capturing) view.reload(); // stopped, or ended by the server: read what it holds now
    wasCapturing.current = capturing;
  }, [capturing]);
  const shown = Boolean(meeting);
  useEffect(() => {
    if (shown && focus) document.getElementById('meeting-title')?.focus();
  }, [shown]);

  if (!meeting) {
    if (!view.loadError) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Opening the meeting…</p>`;
    return html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>Could not open the meeting: ${view.loadError}</p>
        <button type="button" class="button button-small button-secondary" onClick=${view.reload}>Try again</button>
        <button type="button" class="button button-small button-secondary" onClick=${onGone}>Close</button>
      </div>`;
  }

  const act = async (action) => {
    setBusy(true);
    setStopError(null);
    try {
      await action();
    } catch (err) {
      setStopError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const stop = () => act(async () => view.take(capturing ? await capture.stop() : await meetingsApi.stop(meetingId)));
  const resume = () => act(() => capture.resume(meeting, highestSeq(meeting, lines)));
  const retryTranscription = async () => {
    const answer = await view.retry();
    if (!answer?.failedSegments?.length) capture.clearFailures();
  };
  const live = capturing || meeting.status === 'active';
  const projectName = projects.projects?.find((p) => p.id === meeting.projectId)?.name;
  const ended = cap.ended?.meetingId === meetingId ? cap.ended.reason : null;

  return html`
    <div class="meeting-view" data-status=${meeting.status}>
      <${Header} meeting=${title === undefined ? meeting : { ...meeting, title }} projectName=${projectName}
        recording=${capturing && cap.phase === 'recording'}>
        ${ended && html`
          <div class="callout callout-row meeting-ended" role="status">
            <p>${ended}</p>
            <button type="button" class="button button-small button-secondary" onClick=${capture.acknowledge}>OK</button>
          </div>`}
        ${capturing && html`<${MeetingCapture} state=${cap} stopError=${stopError} onStop=${stop} onRetry=${retryTranscription} />`}
        ${!capturing && meeting.status === 'active' && html`<${MeetingElsewhere} meeting=${meeting} busy=${busy}
          recordingOther=${cap.phase !== 'idle'} error=${stopError} onResume=${resume} onStop=${stop} />`}
      <//>
      ${!live && html`<${MeetingAnalysis} meeting=${meeting} lineCount=${lines.length} onAnalyze=${view.analyze}
        onRetry=${view.retry} />`}
      <div class="meeting-columns" data-advice=${live || meeting.advice?.length ? 'true' : 'false'}>
        <${MeetingTranscript} lines=${lines} empty=${emptyTranscript(meeting, capturing ? cap.phase : null)} />
        <${MeetingAdvice} advice=${meeting.advice || []} live=${live} onAsk=${view.askAdvice} />
      </div>
    </div>
  `;
}
