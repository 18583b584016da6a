"""The research's event stream: each event numbered, logged and (for research states) applied in one transaction.

    read the profile: seq n, and whether the expected state holds (else ResearchStateError)
    TransactWrite: Update profile SET research_seq = n+1 [+ the state change]  IF research_seq = n AND <expected>
                   Put research_events (project, n+1, event)                     IF attribute_not_exists(seq)
    refused: read again and decide (another writer numbered an event, or the state moved on)
    then post the event to the connections of the admin who started the research

So seqs strictly increase with no gap a reader can see, and a state change and the event announcing it
are written together: a reader that sees `completed` or `failed` finds the event that says so in the log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from shared.db import delete_all, failed_steps, transaction
from shared.errors import ConflictError
from shared.logs import logger
from shared.models.base import utcnow
from shared.models.onboarding import COMPANY_PROFILE_ID, CompanyProfile, ResearchEvent, ResearchStatus
from shared.onboarding import profiles
from shared.realtime.events import EventTooLargeError
from shared.realtime.publisher import post_to_user
from shared.settings import get_settings

PAGE = 200
_APPEND_ATTEMPTS = 8

Changes = Callable[[int], Sequence[Any]]  # the profile's other updates, given the event's seq


class ResearchStateError(ConflictError):
    """The research is not in the state a write expected (it ended, or a newer run replaced it)."""

    code = "research_state"


@dataclass(frozen=True, slots=True)
class Expected:
    """A named state of the profile: checked by DynamoDB in the write, and in Python after a refusal."""

    name: str
    condition: Any
    holds: Callable[[CompanyProfile], bool]


def not_running(project_id: str) -> Expected:
    """The company's project is `project_id` and no research runs (pending, failed or completed)."""
    return Expected(
        "research not running",
        (CompanyProfile.project_id == project_id)
        & (CompanyProfile.research_status != ResearchStatus.RESEARCHING.value),
        lambda row: row.project_id == project_id and row.research_status != ResearchStatus.RESEARCHING.value,
    )


def running(job_id: str) -> Expected:
    """The research of job `job_id` is the one running."""
    return Expected(
        f"research {job_id} running",
        (CompanyProfile.research_status == ResearchStatus.RESEARCHING.value)
        & (CompanyProfile.research_job_id == job_id),
        lambda row: row.research_status == ResearchStatus.RESEARCHING.value and row.research_job_id == job_id,
    )


def append(
    event: dict[str, Any], *, expect: Expected, changes: Changes = lambda seq: (), notify: str | None = None
) -> dict[str, Any]:
    """Number and log `event` while `expect` holds, applying `changes` with it; returns the event as logged.

    The event goes to the connections of `notify` (by default the admin who started the research).
    """
    for _ in range(_APPEND_ATTEMPTS):
        row = profiles.read()
        if row is None or not expect.holds(row) or not row.project_id:
            raise ResearchStateError(f"The research is not in the expected state ({expect.name}).")
        seq = int(row.research_seq) + 1
        logged = {**event, "projectId": row.project_id, "seq": seq}
        if _commit(row.project_id, seq, logged, expect, changes(seq)):
            _deliver(notify or row.research_user_id, logged)
            return logged
    raise ConflictError("The research stream is busy; try again.", code="research_busy")


def _commit(project_id: str, seq: int, event: dict[str, Any], expect: Expected, changes: Sequence[Any]) -> bool:
    """One transaction: the counter (and state) moves on and the event is logged; False when a condition failed."""
    ttl = timedelta(seconds=get_settings().event_log_ttl_seconds)
    counter = [CompanyProfile.research_seq.set(seq), CompanyProfile.updated_at.set(utcnow())]
    try:
        with transaction() as tx:
            tx.update(
                CompanyProfile(COMPANY_PROFILE_ID),
                actions=[*counter, *changes],
                condition=(CompanyProfile.research_seq == seq - 1) & expect.condition,
            )
            tx.save(
                ResearchEvent(project_id, seq, event=event, expires_at=utcnow() + ttl),
                condition=ResearchEvent.seq.does_not_exist(),
            )
    except TransactWriteError as exc:
        reasons = getattr(exc, "cancellation_reasons", None) or []
        if failed_steps(exc) or any(reason and reason.code == "TransactionConflict" for reason in reasons):
            return False
        raise
    return True


def _deliver(user_id: str | None, event: dict[str, Any]) -> None:
    """Best effort: the log is the record, a client that missed an event reads it from the stream route."""
    if not user_id:
        return
    try:
        post_to_user(user_id, event)
    except EventTooLargeError:
        logger.warning("a research event is too large for a frame", extra={"type": event.get("type")})


def after(project_id: str, seq: int, *, limit: int = PAGE) -> list[dict[str, Any]]:
    """The logged events of the project's research after `seq`, in order (a key range, strongly consistent)."""
    query = ResearchEvent.query(project_id, ResearchEvent.seq > seq, consistent_read=True, limit=limit)
    return [dict(record.event) for record in query]


def delete_for_project(project_id: str) -> int:
    """The project's research events (the rest of the log would expire anyway)."""
    return delete_all(ResearchEvent, ResearchEvent.query(project_id))
