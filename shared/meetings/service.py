"""Workflow 10, meetings (docs/meetings.md): start, stop, analyze, advise, and the history; every meeting is its
owner's alone (anyone else, administrators and the members of its project included, hears "no such meeting").

Segments come in through shared.meetings.capture; the runner ends advice and analyses through shared.meetings.jobs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from shared.accounts.domain import Principal
from shared.jobs import enqueue
from shared.jobs import store as jobs
from shared.meetings import events, segments, store
from shared.meetings import jobs as job_writes
from shared.meetings.errors import (
    ClaudeNotConfiguredError,
    EmptyTranscriptError,
    MeetingNotFoundError,
    MeetingStateError,
    NotCapturingError,
)
from shared.meetings.schemas import AdviseNow, StartMeeting
from shared.meetings.store import ANALYZABLE, StaleMeetingError
from shared.meetings.views import AdviceRequested, Line, Meeting, MeetingsPage, MeetingSummary, Transcript
from shared.models.base import utcnow
from shared.models.meetings import Meeting as MeetingRow
from shared.models.meetings import MeetingStatus, SegmentStatus, TranscriptSegment
from shared.projects import service as projects
from shared.provider import service as provider

ANALYZE_JOB = "meeting.analyze"
ADVISE_JOB = "meeting.advise"
MAX_ADVICE = 20  # kept on the meeting, newest last


def owned(caller: Principal, meeting_id: str) -> MeetingRow:
    """The caller's meeting; "not found" for anyone else's (or none)."""
    row = store.get(meeting_id)
    if row is None or row.user_id != caller.user_id:
        raise MeetingNotFoundError()
    return row


def start(caller: Principal, body: StartMeeting) -> Meeting:
    """A new meeting, capturing from now (in a project the caller may change, if one is named)."""
    project_id = projects.open_project(caller, body.project_id, write=True).project_id if body.project_id else None
    row = store.create(caller.user_id, title=body.title or None, project_id=project_id)
    return Meeting.model_validate(row)


def list_for(caller: Principal, *, before: datetime | None, limit: int) -> MeetingsPage:
    rows, more = store.page_for_user(caller.user_id, before=before, limit=limit)
    meetings = [MeetingSummary.model_validate(row) for row in rows]
    return MeetingsPage(meetings=meetings, next_before=rows[-1].started_at if more else None)


def get(caller: Principal, meeting_id: str) -> Meeting:
    return Meeting.model_validate(owned(caller, meeting_id))


def rename(caller: Principal, meeting_id: str, title: str | None) -> Meeting:
    try:
        return Meeting.model_validate(store.rename(owned(caller, meeting_id), title or None))
    except StaleMeetingError:
        raise MeetingNotFoundError() from None


def delete(caller: Principal, meeting_id: str) -> None:
    try:
        store.delete(owned(caller, meeting_id))
    except StaleMeetingError as exc:
        if exc.row is None:
            return  # deleted meanwhile: what was asked is done
        raise MeetingStateError(
            "The meeting is being analyzed: delete it once the analysis has ended.", exc.row.status
        ) from None


def stop(caller: Principal, meeting_id: str) -> Meeting:
    """Capture ends: the meeting is captured, not analyzed (idle; or still error until its retry)."""
    row = owned(caller, meeting_id)
    for _ in range(3):  # a segment failing at the same moment moves active → error: stop that instead
        if not store.is_capturing(row):
            raise NotCapturingError(row.status)
        try:
            row = store.stop(row)
        except StaleMeetingError as exc:
            row = exc.row or _gone()
            continue
        events.status(row)
        return Meeting.model_validate(row)
    raise NotCapturingError(row.status)


def transcript(caller: Principal, meeting_id: str, *, after: int, limit: int) -> Transcript:
    """Transcript lines of the segments after seq `after`, in seq order (a failed segment has none yet)."""
    owned(caller, meeting_id)
    rows, more = segments.page(meeting_id, after=after, limit=limit)
    lines = [line for row in rows for line in lines_of(row)]
    return Transcript(meeting_id=meeting_id, lines=lines, next_after=int(rows[-1].seq) if more else None)


def analyze(caller: Principal, meeting_id: str) -> Meeting:
    """idle, complete or error → analyzing, and the job that ends it; a second click finds it analyzing (409)."""
    row = owned(caller, meeting_id)
    _check_analyzable(row)
    job_id = jobs.new_job_id()
    try:
        analyzing = store.begin_analysis(row, job_id)
    except StaleMeetingError as exc:
        _check_analyzable(exc.row or _gone())
        raise MeetingStateError("The meeting changed meanwhile; try again.", (exc.row or row).status) from None
    try:
        enqueue(ANALYZE_JOB, {"meetingId": meeting_id}, group_id=f"meeting-{meeting_id}", owner_id=caller.user_id,
                job_id=job_id)  # fmt: skip
    except Exception:
        store.end_analysis(meeting_id, job_id, status=row.status, error=row.error)
        raise
    events.status(analyzing)
    return Meeting.model_validate(analyzing)


def advise_now(caller: Principal, body: AdviseNow) -> AdviceRequested:
    """Claude's advice on the transcript so far (and the question): it streams as `meeting.advice` events."""
    row = owned(caller, body.meeting_id)
    if not row.segment_count:
        raise EmptyTranscriptError("advise on")
    if not provider.is_configured():
        raise ClaudeNotConfiguredError()
    advice_id = uuid.uuid4().hex
    asked = {"adviceId": advice_id, "askedAt": utcnow().isoformat(), "question": body.question or None,
             "status": "pending", "text": "", "error": None}  # fmt: skip
    try:
        store.change_advice(row.meeting_id, lambda items: [*items, asked][-MAX_ADVICE:])
    except StaleMeetingError:
        raise MeetingNotFoundError() from None
    payload = {"meetingId": row.meeting_id, "adviceId": advice_id, "question": body.question or None}
    try:
        enqueue(ADVISE_JOB, payload, group_id=f"meeting-advice-{row.meeting_id}", owner_id=caller.user_id)
    except Exception:
        job_writes.advice_failed(row.meeting_id, advice_id, "The advice could not be queued. Ask again.")
        raise
    return AdviceRequested(meeting_id=row.meeting_id, advice_id=advice_id)


def lines_of(segment: TranscriptSegment) -> list[Line]:
    if segment.status != SegmentStatus.TRANSCRIBED:
        return []
    return [Line.model_validate({**phrase, "seq": int(segment.seq)}) for phrase in segment.phrases or ()]


def line_events(lines: list[Line]) -> list[dict[str, Any]]:
    return [line.model_dump(by_alias=True, mode="json") for line in lines]


def _check_analyzable(row: MeetingRow) -> None:
    if row.status == MeetingStatus.ANALYZING:
        raise MeetingStateError("The meeting is already being analyzed.", row.status, code="analysis_running")
    if store.is_capturing(row) or row.status not in ANALYZABLE:
        raise MeetingStateError("Stop the meeting before analyzing it.", row.status)
    if row.failed_seqs:
        count = len(row.failed_seqs)
        raise MeetingStateError(
            f"{count} segment{'s' if count > 1 else ''} could not be transcribed: retry them first "
            "(POST /api/meetings/retry).",
            row.status,
            code="segments_failed",
        )
    if not row.segment_count:
        raise EmptyTranscriptError("analyze")
    if not provider.is_configured():
        raise ClaudeNotConfiguredError()


def _gone() -> MeetingRow:
    raise MeetingNotFoundError()
