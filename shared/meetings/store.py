"""The `meetings` table: every state change is an update conditional on the state it starts from.

    start ─▶ active ──stop (or the tick, after a long silence)──▶ idle ──analyze──▶ analyzing ──▶ complete
               │                                                   ▲  complete, error ──analyze──┘  └──▶ error
               └─ a segment fails ─▶ error (resume_status: active) ─┘ retry, every failed segment transcribed
                                     stop: resume_status idle; capture goes on while it is active

A double click or a retried request finds the status moved on and is refused (MeetingStateError, 409, with the
current status); the runner's writes are conditional on "the analysis of job X is the one running".
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DeleteError, UpdateError

from shared.db import condition_failed
from shared.meetings import recordings, segments
from shared.models.base import utcnow
from shared.models.meetings import CAPTURING, Meeting, MeetingStatus

ANALYZABLE = (MeetingStatus.IDLE, MeetingStatus.COMPLETE, MeetingStatus.ERROR)
_ATTEMPTS = 5  # re-reads when a concurrent write (a segment, advice) moved the row between our read and write


class StaleMeetingError(Exception):
    """The meeting is not in the state a transition starts from (or is gone); `row` is what it is now."""

    def __init__(self, row: Meeting | None) -> None:
        super().__init__("the meeting changed")
        self.row = row


# Named conditions: the state each write starts from.
def _status_is(status: str) -> Any:
    return Meeting.status == status


def _capturing_in(status: str, resume: str | None) -> Any:
    condition = _status_is(status) & Meeting.capturing.exists()
    return condition & (Meeting.resume_status == resume) if resume else condition


def _analysis_of(job_id: str | None) -> Any:
    analyzing = _status_is(MeetingStatus.ANALYZING.value)
    return analyzing & (Meeting.analysis_job_id == job_id) if job_id else analyzing


def _no_failed_segments() -> Any:
    return Meeting.failed_seqs.does_not_exist()


def create(user_id: str, *, title: str | None, project_id: str | None) -> Meeting:
    now = utcnow()
    row = Meeting(
        uuid.uuid4().hex,
        user_id=user_id,
        title=title,
        project_id=project_id,
        status=MeetingStatus.ACTIVE.value,
        started_at=now,
        capturing=CAPTURING,
        last_segment_at=now,
        updated_at=now,
    )
    row.save(condition=Meeting.meeting_id.does_not_exist())
    return row


def get(meeting_id: str) -> Meeting | None:
    try:
        return Meeting.get(meeting_id, consistent_read=True)
    except Meeting.DoesNotExist:
        return None


def page_for_user(user_id: str, *, before: datetime | None, limit: int) -> tuple[list[Meeting], bool]:
    """The user's meetings started before `before`, newest first; and whether more follow."""
    condition = Meeting.started_at < before if before else None
    rows = list(Meeting.by_user.query(user_id, condition, scan_index_forward=False, limit=limit + 1))
    return rows[:limit], len(rows) > limit


def is_capturing(row: Meeting) -> bool:
    return row.capturing == CAPTURING


def stop(row: Meeting, *, automatically: bool = False, silent_since: datetime | None = None) -> Meeting:
    """Capture ends: active → idle, or error → error returning to idle after a retry (stopped_at set)."""
    status, resume = row.status, row.resume_status
    condition = _capturing_in(status, resume)
    if silent_since is not None:  # the tick: a segment that arrived since its query keeps the meeting going
        condition &= Meeting.last_segment_at <= silent_since
    actions = [Meeting.capturing.remove(), Meeting.stopped_at.set(utcnow())]
    if automatically:
        actions.append(Meeting.stopped_automatically.set(True))
    if status == MeetingStatus.ERROR:
        actions.append(Meeting.resume_status.set(MeetingStatus.IDLE.value))
    else:
        actions.append(Meeting.status.set(MeetingStatus.IDLE.value))
    return _update(row, actions, condition)


def segment_stored(meeting_id: str) -> None:
    """One more transcribed segment: the count, and the clock the tick reads to find silent meetings."""
    now = utcnow()
    _touch(meeting_id, [Meeting.segment_count.add(1), Meeting.last_segment_at.set(now)], now)


def seq_received(meeting_id: str, seq: int) -> None:
    """Remember the highest seq a client sent (a lower one, sent late or again, changes nothing)."""
    higher = Meeting.last_seq.does_not_exist() | (Meeting.last_seq < seq)
    with contextlib.suppress(StaleMeetingError):
        _touch(meeting_id, [Meeting.last_seq.set(seq)], utcnow(), condition=higher)


def segment_failed(meeting_id: str, seq: int, reason: str) -> Meeting:
    """A segment could not be transcribed: the meeting is in error (remembering where a retry returns to)."""
    for _ in range(_ATTEMPTS):
        row = get(meeting_id)
        if row is None:
            raise StaleMeetingError(None)
        actions = [
            Meeting.failed_seqs.add({seq}),
            Meeting.error.set(reason[:1000]),
            Meeting.last_segment_at.set(utcnow()),
        ]
        if row.status in (MeetingStatus.ACTIVE, MeetingStatus.IDLE):
            actions += [Meeting.status.set(MeetingStatus.ERROR.value), Meeting.resume_status.set(row.status)]
        try:
            return _update(row, actions, _status_is(row.status))
        except StaleMeetingError:
            continue
    raise StaleMeetingError(get(meeting_id))


def segment_recovered(meeting_id: str, seq: int, *, counted: bool = True) -> None:
    """A failed segment is transcribed now (`counted`: by this retry, so it joins the count)."""
    actions = [Meeting.failed_seqs.delete({seq})] + ([Meeting.segment_count.add(1)] if counted else [])
    _touch(meeting_id, actions, utcnow())


def recover(row: Meeting) -> Meeting:
    """error with no failed segment left → the status it had before (active: capture goes on)."""
    resume = row.resume_status or MeetingStatus.IDLE.value
    actions = [Meeting.status.set(resume), Meeting.error.remove(), Meeting.resume_status.remove()]
    if resume == MeetingStatus.ACTIVE:
        actions.append(Meeting.last_segment_at.set(utcnow()))
    condition = _status_is(MeetingStatus.ERROR.value) & (Meeting.resume_status == resume) & _no_failed_segments()
    return _update(row, actions, condition)


def begin_analysis(row: Meeting, job_id: str) -> Meeting:
    """idle, complete or error (no failed segment) → analyzing with job `job_id`."""
    actions = [
        Meeting.status.set(MeetingStatus.ANALYZING.value),
        Meeting.analysis_job_id.set(job_id),
        Meeting.error.remove(),
        Meeting.resume_status.remove(),
    ]
    return _update(row, actions, _status_is(row.status) & Meeting.capturing.does_not_exist() & _no_failed_segments())


def end_analysis(
    meeting_id: str, job_id: str | None, *, status: str, analysis: Any = None, error: str | None = None
) -> bool:
    """analyzing (by job `job_id`, when given) → `status`; False when that analysis is no longer running."""
    actions = [Meeting.status.set(status)]
    if analysis is not None:
        actions.append(Meeting.analysis.set(analysis))
    actions.append(Meeting.error.set(error[:2000]) if error else Meeting.error.remove())
    try:
        _touch(meeting_id, actions, utcnow(), condition=_analysis_of(job_id))
    except StaleMeetingError:
        return False
    return True


def rename(row: Meeting, title: str | None) -> Meeting:
    action = Meeting.title.set(title) if title else Meeting.title.remove()
    return _update(row, [action], Meeting.meeting_id.exists())


def change_advice(meeting_id: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Meeting:
    """Rewrite the advice list with `change`, conditional on nobody else having changed it since it was read."""
    for _ in range(_ATTEMPTS):
        row = get(meeting_id)
        if row is None:
            raise StaleMeetingError(None)
        try:
            return _update(
                row,
                [Meeting.advice.set(change(list(row.advice or []))), Meeting.advice_rev.add(1)],
                Meeting.advice_rev == row.advice_rev,
            )
        except StaleMeetingError:
            continue
    raise StaleMeetingError(get(meeting_id))


def silent_since(cutoff: datetime) -> Iterator[str]:
    """Ids of the meetings still capturing whose last segment (or start) is at or before `cutoff`."""
    for key in Meeting.capturing_by_last_segment.query(CAPTURING, Meeting.last_segment_at <= cutoff):
        yield key.meeting_id


def delete(row: Meeting) -> None:
    """The meeting, its transcript and its kept audio; refused while it is being analyzed."""
    if row.status == MeetingStatus.ANALYZING:
        raise StaleMeetingError(row)
    _delete_everything(row, condition=Meeting.status != MeetingStatus.ANALYZING.value)


def delete_for_user(user_id: str) -> int:
    """Every meeting of the user, whatever its state (a running analysis finds it gone and stops)."""
    count = 0
    for row in list(Meeting.by_user.query(user_id)):
        _delete_everything(row, condition=None)
        count += 1
    return count


def delete_for_project(project_id: str) -> int:
    """A deleted project's meetings stay their owners' and lose the link; returns how many were unlinked."""
    count = 0
    for key in list(Meeting.by_project.query(project_id)):
        try:
            _touch(key.meeting_id, [Meeting.project_id.remove()], utcnow(), condition=Meeting.project_id == project_id)
        except StaleMeetingError:
            continue
        count += 1
    return count


def _delete_everything(row: Meeting, *, condition: Any) -> None:
    # The transcript and the audio first: an interrupted delete leaves the row, and deleting it again finishes.
    segments.delete_for_meeting(row.meeting_id)
    recordings.delete_for_meeting(row.meeting_id)
    try:
        row.delete(condition=condition)
    except DeleteError as exc:
        if not condition_failed(exc):
            raise
        raise StaleMeetingError(get(row.meeting_id)) from None


def _update(row: Meeting, actions: list[Any], condition: Any) -> Meeting:
    try:
        row.update(actions=[*actions, Meeting.updated_at.set(utcnow())], condition=condition)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise StaleMeetingError(get(row.meeting_id)) from None
    return row


def _touch(meeting_id: str, actions: list[Any], now: datetime, *, condition: Any = None) -> None:
    """An update of a meeting not read first; it must exist (a deleted meeting is not brought back)."""
    exists = Meeting.meeting_id.exists()
    try:
        Meeting(meeting_id).update(
            actions=[*actions, Meeting.updated_at.set(now)],
            condition=exists & condition if condition is not None else exists,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise StaleMeetingError(None) from None
