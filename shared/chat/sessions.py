"""Chat sessions: one user, one project; the caller reaches only their own sessions."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from shared import aws
from shared.accounts.domain import Principal
from shared.chat import policy
from shared.db import delete_all
from shared.errors import NotFoundError, ValidationError
from shared.models import PermissionMode, QualitySignal, RawExchange, Session, SessionEvent
from shared.models.base import utcnow
from shared.projects import service as projects
from shared.settings import get_settings

TITLE_LENGTH = 60
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class SessionView:
    session_id: str
    project_id: str
    title: str
    permission_mode: str
    status: str
    last_seq: int
    message_count: int
    created_at: datetime
    updated_at: datetime


def view(session: Session) -> SessionView:
    return SessionView(
        session.session_id,
        session.project_id,
        session.title or "New chat",
        session.permission_mode,
        session.status,
        int(session.last_seq or 0),
        int(session.message_count or 0),
        session.created_at,
        session.updated_at,
    )


def title_from(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def permission_mode(value: Any) -> str:
    """A mode the user may pick: the server decides, from what administrators allow (shared.chat.policy)."""
    if value is None:
        return PermissionMode.DEFAULT.value
    allowed = policy.allowed_modes()
    if value not in allowed:
        raise ValidationError(
            f"'permissionMode' must be one of: {', '.join(allowed)} (administrators choose which are offered).",
            code="invalid_permission_mode",
        )
    return str(value)


def create(caller: Principal, project_id: str, first_message: str, permission_mode: str | None = None) -> Session:
    projects.open_project(caller, project_id, write=True)
    session = Session(
        uuid.uuid4().hex,
        user_id=caller.user_id,
        project_id=project_id,
        title=title_from(first_message),
        permission_mode=permission_mode or PermissionMode.DEFAULT.value,
    )
    session.save(condition=Session.session_id.does_not_exist())
    return session


def owned(caller: Principal, session_id: Any) -> Session:
    """The caller's session; anyone else's is "not found" (no hint that it exists)."""
    missing = NotFoundError("There is no such chat session.", code="session_not_found")
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise missing
    try:
        session = Session.get(session_id, consistent_read=True)
    except DoesNotExist:
        raise missing from None
    if session.user_id != caller.user_id:
        raise missing
    return session


def list_in_project(caller: Principal, project_id: str, limit: int = 100) -> list[SessionView]:
    """The caller's sessions in a project, most recent first."""
    projects.open_project(caller, project_id)
    sessions = Session.by_project.query(project_id, scan_index_forward=False, limit=limit * 4)
    return [view(s) for s in sessions if s.user_id == caller.user_id][:limit]


def rename(caller: Principal, session_id: str, title: str) -> SessionView:
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise ValidationError("A title is 1 to 200 characters.", code="invalid_title")
    session = owned(caller, session_id)
    session.update(actions=[Session.title.set(title), Session.updated_at.set(utcnow())])
    return view(session)


def delete(caller: Principal, session_id: str) -> None:
    owned(caller, session_id)
    remove(session_id)


def remove(session_id: str) -> int:
    """A chat session with its event log, exchanges and quality signals; returns the events deleted."""
    events = delete_all(SessionEvent, SessionEvent.query(session_id))
    delete_all(RawExchange, RawExchange.query(session_id))
    delete_all(QualitySignal, QualitySignal.query(session_id))
    delete_all(Session, [Session(session_id)])
    return events


def delete_for_user(user_id: str) -> dict[str, int]:
    """Every session of a user (with their logs), what is left of their turns elsewhere, and their transcripts."""
    counts = {"sessions": 0, "session_events": 0}
    projects = set()
    for session in list(Session.by_user.query(user_id)):
        projects.add(session.project_id)
        counts["session_events"] += remove(session.session_id)
        counts["sessions"] += 1
    counts["raw_exchanges"] = delete_all(RawExchange, RawExchange.by_user.query(user_id))
    counts["quality_signals"] = delete_all(QualitySignal, QualitySignal.by_user.query(user_id))
    bucket = get_settings().workspace_bucket
    counts["transcripts"] = sum(
        aws.delete_prefix(bucket, f"sessions/{project}/users/{user_id}/") for project in projects
    )
    return counts


def delete_for_project(project_id: str) -> dict[str, int]:
    """Every session in a project, whoever had it, and every transcript of the project."""
    counts = {"sessions": 0, "session_events": 0}
    for session in list(Session.by_project.query(project_id)):
        counts["session_events"] += remove(session.session_id)
        counts["sessions"] += 1
    counts["transcripts"] = aws.delete_prefix(get_settings().workspace_bucket, f"sessions/{project_id}/")
    return counts


def next_turn(session_id: str) -> int:
    """Allocate the next turn number (atomic ADD: concurrent senders get distinct turns)."""
    session = Session(session_id)
    session.update(actions=[Session.message_count.add(1), Session.updated_at.set(utcnow())])
    return int(session.message_count)
