// The Meetings screen's list: each meeting's title, date and status, opened by its button; Rename turns the title
// into a field in place (Enter saves, Escape cancels) and Delete asks first (the screen's ConfirmDialog). On a phone
// the list folds away behind its toggle while a meeting is open.
import { useState } from 'preact/hooks';
import { ChatIcon } from '../chat/icons.js';
import { DateText } from '../format.js';
import { FormError, useAutoFocus, useSubmit } from '../forms.js';
import { html } from '../html.js';
import { meetingDate, meetingTitle, statusLabel } from '../meetings/format.js';

export function MeetingStatus({ meeting }) {
  return html`<span class="badge meeting-badge" data-status=${meeting.status}>${statusLabel(meeting)}</span>`;
}

function RenameForm({ meeting, onRename, onDone }) {
  const focus = useAutoFocus();
  const { busy, error, setError, onSubmit } = useSubmit(async ({ title }) => {
    const clean = title.trim();
    if (!clean) return setError('Give the meeting a title.');
    if (clean !== meeting.title) await onRename(meeting.meetingId, clean);
    onDone();
  });
  const onKeyDown = (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    onDone();
  };
  const id = `meeting-title-${meeting.meetingId}`;
  return html`
    <form class="meeting-rename" onSubmit=${onSubmit} onKeyDown=${onKeyDown}>
      <label class="sr-only" for=${id}>New title for “${meetingTitle(meeting)}”</label>
      <input id=${id} ref=${focus} class="input" name="title" defaultValue=${meeting.title || ''} maxlength="200" autocomplete="off"
        disabled=${busy} />
      <div class="meeting-rename-actions">
        <button type="button" class="button button-small button-secondary" onClick=${onDone}>Cancel</button>
        <button type="submit" class="button button-small" disabled=${busy}>${busy ? 'Saving…' : 'Save'}</button>
      </div>
      <${FormError} message=${error} />
    </form>
  `;
}

/** `capturing`: this tab captures the meeting (no Delete); `recording`: from the microphone (the badge says so). */
function MeetingItem({ meeting, current, capturing, recording, on }) {
  const [renaming, setRenaming] = useState(false);
  const title = meetingTitle(meeting);
  if (renaming) {
    return html`<li class="meeting-item" data-current=${current ? 'true' : 'false'}>
      <${RenameForm} meeting=${meeting} onRename=${on.rename} onDone=${() => setRenaming(false)} /></li>`;
  }
  return html`
    <li class="meeting-item" data-current=${current ? 'true' : 'false'} data-meeting=${meeting.meetingId}>
      <button type="button" class="meeting-open" aria-current=${current ? 'true' : undefined} onClick=${() => on.open(meeting)}>
        <span class="meeting-item-title">${title}</span>
        <span class="meeting-item-meta">
          <${DateText} value=${meetingDate(meeting)} empty="Not started" />
          ${recording ? html`<span class="badge meeting-badge" data-status="recording">Recording</span>` : html`<${MeetingStatus} meeting=${meeting} />`}
        </span>
      </button>
      <span class="meeting-item-actions">
        <button type="button" class="icon-button" aria-label=${`Rename “${title}”`} title="Rename" onClick=${() => setRenaming(true)}>
          <${ChatIcon} name="edit" size=${16} />
        </button>
        ${!capturing && html`
          <button type="button" class="icon-button icon-button-danger" aria-label=${`Delete “${title}”`} title="Delete"
            onClick=${() => on.remove(meeting)}>
            <${ChatIcon} name="trash" size=${16} />
          </button>`}
      </span>
    </li>
  `;
}

function Items({ list, currentId, capture, on }) {
  if (list.error) {
    return html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>Could not load your meetings: ${list.error}</p>
        <button type="button" class="button button-small button-secondary" onClick=${list.reload}>Try again</button>
      </div>`;
  }
  if (!list.meetings) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading meetings…</p>`;
  if (!list.meetings.length) return html`<p class="side-empty meetings-empty">No meetings yet — start one to get a live transcript.</p>`;
  return html`
    <ul class="meeting-list">
      ${list.meetings.map((meeting) => html`<${MeetingItem} key=${meeting.meetingId} meeting=${meeting}
        current=${meeting.meetingId === currentId} capturing=${capture.phase !== 'idle' && meeting.meetingId === capture.meetingId}
        recording=${capture.phase === 'recording' && meeting.meetingId === capture.meetingId} on=${on} />`)}
    </ul>
    ${list.next && html`
      <div class="more">
        ${list.moreError && html`<p class="hint" role="alert">Could not load older meetings: ${list.moreError}</p>`}
        <button type="button" class="button button-small button-secondary" disabled=${list.more === 'loading'} onClick=${list.loadMore}>
          ${list.more === 'loading' ? 'Loading…' : 'Show older meetings'}
        </button>
      </div>`}
  `;
}

/** `capture` is useCapture(); `on`: { open(meeting), start(), rename(id, title), remove(meeting), toggle() }. */
export function MeetingList({ list, currentId, capture, open, on }) {
  const count = list.meetings?.length;
  return html`
    <aside class="card meetings-side" aria-labelledby="meetings-list-title" data-open=${open ? 'true' : 'false'}>
      <div class="meetings-side-head">
        <h2 id="meetings-list-title">Your meetings${count ? html` <span class="count">${count}</span>` : ''}</h2>
        <button type="button" class="button button-small button-secondary meetings-toggle" aria-expanded=${open ? 'true' : 'false'}
          aria-controls="meetings-list-body" onClick=${on.toggle}>${open ? 'Hide' : 'Show'}</button>
      </div>
      <div class="meetings-side-body" id="meetings-list-body">
        <button type="button" class="button button-secondary button-block" onClick=${on.start}>
          <${ChatIcon} name="plus" size=${18} /> New meeting
        </button>
        <nav aria-label="Meetings">
          <${Items} list=${list} currentId=${currentId} capture=${capture} on=${on} />
        </nav>
      </div>
    </aside>
  `;
}
