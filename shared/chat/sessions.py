"""Chat sessions: one user, one project; the caller reaches only their own sessions.

The `sessions` table is this module's (with the event log, turns and quality signals it deletes along with a
session); the followers of a session are `shared.chat.followers`', its event numbers `shared.chat.events`'.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.update import Action

from shared import aws
from shared.accounts.domain import Principal
from shared.chat import naming, policy, prompts, views
from shared.chat.schemas import MAX_TITLE, ChatSend, SessionUpdate, session_not_found
from shared.concurrency import failed, then
from shared.db import Reads, delete_all
from shared.errors import ConflictError, ValidationError
from shared.models.base import utcnow
from shared.models.chat import PermissionMode, RawExchange, Session, SessionEvent
from shared.models.usage import QualitySignal
from shared.projects import service as projects
from shared.settings import get_settings

_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


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


def new_id() -> str:
    return uuid.uuid4().hex


def create(
    caller: Principal,
    project_id: str,
    first_message: str,
    mode: str | None = None,
    session_id: str | None = None,
    *,
    persona_id: str | None = None,
    guide_ids: list[str] | None = None,
) -> views.Session:
    """A new session of the caller in the project, titled from its first message (shared.chat.naming), with the
    persona and guides chosen before it; `session_id` is one a chat.prewarm reserved, else a new one."""
    session = _new(
        caller, project_id, first_message, mode=mode, session_id=session_id, persona_id=persona_id, guide_ids=guide_ids
    )
    _save_new(session, reserved=session_id is not None)
    return views.Session.model_validate(session)


def start(
    caller: Principal,
    request: ChatSend,
    *,
    numbers: int,
    follower: str | None,
    allowed: Callable[[], object],
) -> tuple[views.Session, Taken]:
    """A new session with its first turn (as `create`, then `next_turn`, in one write): its turn number, `numbers`
    event numbers, and `follower` following it. `allowed()` is asked before the write (the daily quota: a message
    it refuses creates nothing) while the project, persona and guides are read."""
    assert request.project_id is not None  # ChatSend requires it for a new session
    session = _new(
        caller,
        request.project_id,
        request.message,
        mode=permission_mode(request.permission_mode),
        session_id=request.new_session_id,
        persona_id=request.persona_id,
        guide_ids=request.guide_ids,
    )
    session.message_count, session.last_seq = 1, numbers
    session.followers = {follower} if follower else None
    allowed()
    _save_new(session, reserved=request.new_session_id is not None)
    return views.Session.model_validate(session), Taken(1, 1, frozenset(session.followers or ()))


def _new(
    caller: Principal,
    project_id: str,
    first_message: str,
    *,
    mode: str | None,
    session_id: str | None,
    persona_id: str | None,
    guide_ids: list[str] | None,
) -> Session:
    projects.open_project(caller, project_id, write=True)
    guides = prompts.own_guide_ids(caller, guide_ids) if guide_ids else None
    return Session(
        session_id or new_id(),
        user_id=caller.user_id,
        project_id=project_id,
        title=naming.title_for_message(first_message),
        permission_mode=mode or PermissionMode.DEFAULT.value,
        persona_id=prompts.own_persona_id(caller, persona_id) if persona_id is not None else None,
        guide_ids=guides or None,
    )


def _save_new(session: Session, *, reserved: bool) -> None:
    try:
        session.save(condition=Session.session_id.does_not_exist())
    except PutError as exc:
        if reserved and exc.cause_response_code == "ConditionalCheckFailedException":
            raise ConflictError(
                "A chat was already started with this id; open it from the list.", code="session_exists"
            ) from None
        raise


def _own(caller: Principal, session_id: Any) -> Session:
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise session_not_found()
    try:
        session = Session.get(session_id, consistent_read=True)
    except DoesNotExist:
        raise session_not_found() from None
    return _theirs(caller, session)


def _theirs(caller: Principal, session: Session | None) -> Session:
    if session is None or session.user_id != caller.user_id:
        raise session_not_found()
    return session


def owned(caller: Principal, session_id: Any) -> views.Session:
    """The caller's session; anyone else's is "not found" (no hint that it exists)."""
    return views.Session.model_validate(_own(caller, session_id))


def owned_in(reads: Reads, caller: Principal, session_id: Any) -> Future[views.Session]:
    """`owned`, read with others (shared.db.Reads); a malformed id fails the future, as the read would."""
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        return failed(session_not_found())
    row = reads.get(Session, session_id, consistent_read=True)
    return then(row, lambda session: views.Session.model_validate(_theirs(caller, session)))


def list_in_project(caller: Principal, project_id: str, limit: int = 100) -> list[views.Session]:
    """The caller's sessions in a project, most recent first."""
    projects.open_project(caller, project_id)
    sessions = Session.by_project.query(project_id, scan_index_forward=False, limit=limit * 4)
    return [views.Session.model_validate(s) for s in sessions if s.user_id == caller.user_id][:limit]


def update(caller: Principal, session_id: str, changes: SessionUpdate) -> views.Session:
    """Rename a session, or change its permission mode, persona (None clears it), guides, or remove its rules."""
    given = changes.model_fields_set
    session = _own(caller, session_id)
    actions: list[Any] = []
    if changes.title:
        actions.append(Session.title.set(_title(changes.title)))
    mode = permission_mode(changes.permission_mode) if "permission_mode" in given else None
    if "persona_id" in given:
        persona = changes.persona_id
        actions.append(
            Session.persona_id.set(prompts.own_persona_id(caller, persona))
            if persona is not None
            else Session.persona_id.remove()
        )
    if "guide_ids" in given:
        guides = prompts.own_guide_ids(caller, changes.guide_ids)
        actions.append(Session.guide_ids.set(guides) if guides else Session.guide_ids.remove())
    rules = _kept_rules(session, changes.allowed_tools or []) if "allowed_tools" in given else None
    if actions:  # a new mode alone does not move the session up the list
        actions.append(Session.updated_at.set(utcnow()))
    if mode is not None:
        actions.append(Session.permission_mode.set(mode))
    if rules is not None:  # nor does removing a rule
        actions.append(rules)
    if actions:
        session.update(actions=actions)
    return views.Session.model_validate(session)


def _kept_rules(session: Session, kept: list[str]) -> Any:
    """The session's "Allow for this session" rules, down to `kept`: a rule is only added by answering a request."""
    current = set(session.allowed_tools or ())
    unknown = sorted(set(kept) - current)
    if unknown:
        raise ValidationError(
            f"'allowedTools' can only keep rules this chat has; it has no {', '.join(unknown)}.",
            code="invalid_request",
        )
    return Session.allowed_tools.set(set(kept)) if kept else Session.allowed_tools.remove()


def _title(title: str) -> str:
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise ValidationError(f"A title is 1 to {MAX_TITLE} characters.", code="invalid_title")
    return title


def set_permission_mode(session_id: str, mode: str) -> None:
    Session(session_id).update(actions=[Session.permission_mode.set(mode)])


@dataclass(frozen=True, slots=True)
class Taken:
    """A turn number, the event numbers taken with it (first_seq onwards), who follows the session now, and the
    last turn that had ended then (None: none had, or not known)."""

    turn: int
    first_seq: int
    followers: frozenset[str]
    ended: int | None = None


def next_turn(session_id: str, *, numbers: int = 0, follower: str | None = None) -> Taken:
    """Allocate the next turn number (atomic ADD: concurrent senders get distinct turns), in the same write the
    event numbers announcing it (shared.chat.events) and, for a connection that starts following the session
    with it, the session's side of that (shared.chat.followers): one write where there were three."""
    session = Session(session_id)
    actions: list[Action] = [Session.message_count.add(1), Session.updated_at.set(utcnow())]
    if numbers:
        actions.append(Session.last_seq.add(numbers))
    if follower is not None:
        actions.append(Session.followers.add({follower}))
    session.update(actions=actions)
    first_seq = int(session.last_seq) - numbers + 1
    ended = int(session.ended_turn) if session.ended_turn is not None else None
    return Taken(int(session.message_count), first_seq, frozenset(session.followers or ()), ended)


def delete(caller: Principal, session_id: str) -> None:
    _own(caller, session_id)
    remove(session_id)


def remove(session_id: str) -> int:
    """A chat session with its event log, exchanges, long answers and quality signals; returns the events deleted."""
    try:
        project_id = Session.get(session_id).project_id
        aws.delete_prefix(get_settings().workspace_bucket, f"sessions/{project_id}/responses/{session_id}/")
    except DoesNotExist:
        pass  # a deletion finished earlier: nothing of the session is left to find its answers by
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
