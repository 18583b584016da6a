// Meetings (/meetings): capture a meeting as a live transcript, ask for advice while it runs, have Claude analyse it
// afterwards (docs/web-meetings.md). The list of meetings on the left (folded away on a phone while one is open);
// the open meeting, or the start form, beside it. The open meeting is in the URL (/meetings?meeting=…, replaced), so
// a reload comes back to it. Recording goes on while another screen is open (meetings/capture.js).
import { useEffect, useRef, useState } from 'preact/hooks';
import { useProjects } from '../chat/projects.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { MeetingList } from '../components/meeting-list.js';
import { MeetingStart } from '../components/meeting-start.js';
import { MeetingView } from '../components/meeting-view.js';
import { html } from '../html.js';
import { capture, useCapture } from '../meetings/capture.js';
import { meetingTitle } from '../meetings/format.js';
import { useMeetings } from '../meetings/use-meetings.js';

const MEETINGS_PATH = '/meetings';

/** The meeting in the URL; else the one this tab is capturing (coming back from another screen). */
function initialMeeting() {
  const linked = new URLSearchParams(window.location.search).get('meeting');
  return linked || (capture.state.phase === 'idle' ? null : capture.state.meetingId);
}

function writeUrl(meetingId) {
  if (window.location.pathname.replace(/\/+$/, '') !== MEETINGS_PATH) return;
  const next = meetingId ? `${MEETINGS_PATH}?${new URLSearchParams({ meeting: meetingId })}` : MEETINGS_PATH;
  if (window.location.pathname + window.location.search !== next) window.history.replaceState(null, '', next);
}

export default function MeetingsScreen() {
  const list = useMeetings();
  const projects = useProjects();
  const cap = useCapture();
  const [openId, setOpenId] = useState(initialMeeting);
  const [listOpen, setListOpen] = useState(() => !initialMeeting());
  const [deleting, setDeleting] = useState(null);
  const focusNext = useRef(false);

  useEffect(() => writeUrl(openId), [openId]);

  const open = (meeting) => {
    focusNext.current = true;
    setOpenId(meeting.meetingId);
    setListOpen(false);
  };
  const started = (meeting) => {
    list.upsert(meeting);
    open(meeting);
  };
  const closeMeeting = () => {
    setOpenId(null);
    setListOpen(true);
  };
  const remove = async () => {
    await list.remove(deleting.meetingId);
    if (deleting.meetingId === openId) closeMeeting();
    setDeleting(null);
  };
  const recording = cap.meetingId
    ? list.meetings?.find((m) => m.meetingId === cap.meetingId) || { meetingId: cap.meetingId }
    : null;
  const on = {
    open,
    start: () => {
      setOpenId(null);
      setListOpen(false);
    },
    rename: list.rename,
    remove: setDeleting,
    toggle: () => setListOpen(!listOpen),
  };

  return html`
    <div class="page meetings-page">
      <header class="page-header">
        <h1 id="screen-title" tabindex="-1">Meetings</h1>
        <p class="page-lead">A live transcript of your meeting, advice while it runs, and the decisions and action items
          afterwards.</p>
      </header>
      <div class="meetings-layout">
        <${MeetingList} list=${list} currentId=${openId} capture=${cap} open=${listOpen} on=${on} />
        <div class="meetings-main">
          ${openId
            ? html`<${MeetingView} key=${openId} meetingId=${openId} title=${list.meetings?.find((m) => m.meetingId === openId)?.title}
                cap=${cap} projects=${projects}
                focus=${focusNext.current} onMeeting=${list.upsert} onGone=${closeMeeting} />`
            : html`<${MeetingStart} projects=${projects} recording=${recording} onStarted=${started} onOpen=${open} />`}
        </div>
      </div>
      ${deleting && html`
        <${ConfirmDialog} title=${`Delete “${meetingTitle(deleting)}”?`} confirmLabel="Delete meeting" busyLabel="Deleting…"
          onConfirm=${remove} onClose=${() => setDeleting(null)}>
          <p>Its transcript, advice and analysis are deleted. A document already saved in Files stays there.</p>
        <//>`}
    </div>
  `;
}
