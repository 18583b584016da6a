"""The meetings as the runner's jobs see them: what to advise on or analyze, and the writes that end each job.

    meeting.advise {meetingId, adviceId, question}
        advice_delta* ──▶ advice_finished (done, its text)  |  advice_failed / advice_interrupted (failed, why)
    meeting.analyze {meetingId}
        analyzing ──analysis_finished──▶ complete (the analysis, its document's path)
                  └─analysis_failed / analysis_interrupted──▶ error (why, for a person)

Each write posts its event (`meeting.advice`, `meeting.status`) to the owner's connections. The analysis's writes
are conditional on the meeting still being analyzed (by `job_id`, when given): an analysis that was replaced or
whose meeting was deleted changes nothing and answers False.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.accounts import users
from shared.accounts.domain import Principal
from shared.errors import NotFoundError, PermissionDeniedError
from shared.logs import logger
from shared.meetings import analysis, events, segments, store
from shared.meetings.store import StaleMeetingError
from shared.models.meetings import Meeting, MeetingStatus, SegmentStatus
from shared.projects import service as projects

MAX_ADVICE_CHARS = 20_000
MAX_ANALYSIS_BYTES = 300_000  # of the analysis stored on the meeting's row (an item is at most 400 KB)
INTERRUPTED = "interrupted because the runner stopped"


@dataclass(frozen=True, slots=True)
class MeetingTask:
    """One meeting as a job needs it: who, where the notes go (if anywhere), and the transcript as text."""

    meeting_id: str
    user_id: str
    title: str | None
    started_at: datetime
    status: str
    project_id: str | None  # the meeting's project, when its owner may still change it
    s3_prefix: str | None  # that project's files
    transcript: str  # "[mm:ss] Speaker: text" lines (shared.meetings.analysis.transcript_text)

    @property
    def analyzing(self) -> bool:
        return self.status == MeetingStatus.ANALYZING


def for_job(meeting_id: str) -> MeetingTask | None:
    """The meeting and its transcript; None when it no longer exists."""
    row = store.get(meeting_id)
    if row is None:
        return None
    project = _writable_project(row)
    return MeetingTask(
        meeting_id=row.meeting_id,
        user_id=row.user_id,
        title=row.title,
        started_at=row.started_at,
        status=row.status,
        project_id=project.project_id if project else None,
        s3_prefix=project.s3_prefix if project else None,
        transcript=analysis.transcript_text(_utterances(meeting_id)),
    )


def advice_delta(meeting_id: str, advice_id: str, text: str) -> None:
    """More of the advice's text, as it streams: an event only (the whole text is stored when it ends)."""
    owner = _owner(meeting_id)
    if owner:
        events.advice(owner, meeting_id, advice_id, "streaming", delta=text)


def advice_finished(meeting_id: str, advice_id: str, text: str) -> None:
    _end_advice(meeting_id, advice_id, status="done", text=text[:MAX_ADVICE_CHARS])


def advice_failed(meeting_id: str, advice_id: str, reason: str) -> None:
    _end_advice(meeting_id, advice_id, status="failed", error=reason[:2000])


def advice_interrupted(meeting_id: str, advice_id: str) -> None:
    advice_failed(meeting_id, advice_id, f"The advice was {INTERRUPTED}. Ask again.")


def analysis_finished(
    meeting_id: str, result: dict[str, Any], document_path: str | None, *, job_id: str | None = None
) -> bool:
    """analyzing → complete with the analysis (as `Analysis.to_json()` gives it) and the notes' path in the project."""
    stored = {**_fitted(result), "documentPath": document_path}
    return _end_analysis(meeting_id, job_id, MeetingStatus.COMPLETE.value, analysis=stored)


def analysis_failed(meeting_id: str, reason: str, *, job_id: str | None = None) -> bool:
    """analyzing → error with `reason`, written for a person; a previous analysis stays."""
    return _end_analysis(meeting_id, job_id, MeetingStatus.ERROR.value, error=reason)


def analysis_interrupted(meeting_id: str, *, job_id: str | None = None) -> bool:
    return analysis_failed(meeting_id, f"The analysis was {INTERRUPTED}. Analyze again.", job_id=job_id)


def _end_analysis(meeting_id: str, job_id: str | None, status: str, **fields: Any) -> bool:
    if not store.end_analysis(meeting_id, job_id, status=status, **fields):
        logger.info("meeting analysis no longer running", extra={"meeting_id": meeting_id, "job_id": job_id})
        return False
    row = store.get(meeting_id)
    if row is not None:
        events.status(row)
    return True


def _end_advice(meeting_id: str, advice_id: str, **changes: Any) -> None:
    def change(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, **changes} if item.get("adviceId") == advice_id else item for item in items]

    try:
        row = store.change_advice(meeting_id, change)
    except StaleMeetingError:
        return  # the meeting was deleted meanwhile
    events.advice(
        row.user_id,
        meeting_id,
        advice_id,
        str(changes["status"]),
        **{k: v for k, v in changes.items() if k != "status"},
    )


def _utterances(meeting_id: str) -> list[analysis.Utterance]:
    said = []
    for segment in segments.of_meeting(meeting_id):
        if segment.status == SegmentStatus.TRANSCRIBED:
            said += [
                analysis.Utterance(int(phrase["startMs"]), str(phrase["text"]), phrase.get("speaker"))
                for phrase in segment.phrases or ()
            ]
    return said


def _writable_project(row: Meeting) -> projects.ProjectView | None:
    """The meeting's project, if its owner is active and may still change it (the notes are written there)."""
    account = users.get(row.user_id) if row.project_id else None
    if account is None or not account.is_active or not row.project_id:
        return None
    try:
        return projects.open_project(Principal(account, via="meeting"), row.project_id, write=True)
    except (NotFoundError, PermissionDeniedError):
        return None


@functools.lru_cache(maxsize=256)
def _owner_cached(meeting_id: str) -> str:
    row = store.get(meeting_id)
    if row is None:
        raise LookupError(meeting_id)
    return row.user_id


def _owner(meeting_id: str) -> str | None:
    """The meeting's owner (it never changes, so it is read once per meeting and process); None when it is gone."""
    try:
        return _owner_cached(meeting_id)
    except LookupError:
        return None


def _fitted(result: dict[str, Any]) -> dict[str, Any]:
    """The analysis cut to fit in the row: the longest list loses its last items until it fits."""
    fitted = {key: list(value) if isinstance(value, list) else value for key, value in result.items()}
    while len(json.dumps(fitted, ensure_ascii=False).encode()) > MAX_ANALYSIS_BYTES:
        longest = max((value for value in fitted.values() if isinstance(value, list)), key=len, default=None)
        if not longest:
            fitted["summary"] = str(fitted.get("summary") or "")[: MAX_ANALYSIS_BYTES // 8]
            break
        longest.pop()
    return fitted
