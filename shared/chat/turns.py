"""A chat turn from the API's side: accept the message, queue the turn, take aborts and answers.

The runner does the turn itself (runner/jobs/chat.py). Turns of one session share a FIFO message group,
so a message sent while a turn runs waits its turn, in order, and is shown as queued meanwhile.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared import jobs
from shared.accounts.domain import Principal
from shared.chat import sessions
from shared.chat.events import SessionStream
from shared.errors import ConflictError, NotFoundError, StudioError, ValidationError
from shared.models import ExchangeStatus, RawExchange, Session
from shared.projects import service as projects
from shared.realtime import connections

MAX_MESSAGE_CHARS = 24_000
MAX_CLIENT_ID = 100
ACTIVE = (ExchangeStatus.QUEUED.value, ExchangeStatus.RUNNING.value)


def _text(value: Any, name: str, *, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"'{name}' must be a non-empty string.", code="invalid_request")
    if len(value) > limit:
        raise ValidationError(f"'{name}' is {len(value)} characters; at most {limit} are accepted.", code="too_long")
    return value


def send(
    caller: Principal,
    *,
    project_id: Any,
    session_id: Any,
    message: Any,
    client_message_id: Any = None,
    permission_mode: Any = None,
    correlation_id: str | None = None,
    connection_id: str | None = None,
) -> RawExchange:
    """Accept one message: create the session on the first one, record the turn, queue it for the runner."""
    message = _text(message, "message", limit=MAX_MESSAGE_CHARS)
    if client_message_id is not None:
        client_message_id = _text(client_message_id, "clientMessageId", limit=MAX_CLIENT_ID)
    created = session_id is None
    if created:
        project_id = _text(project_id, "projectId", limit=64)
        session = sessions.create(caller, project_id, message, sessions.permission_mode(permission_mode))
    else:
        session = sessions.owned(caller, session_id)
        if project_id is not None and project_id != session.project_id:
            raise ValidationError("This session belongs to another project.", code="wrong_project")
        projects.open_project(caller, session.project_id, write=True)
        if permission_mode is not None and sessions.permission_mode(permission_mode) != session.permission_mode:
            session.update(actions=[Session.permission_mode.set(sessions.permission_mode(permission_mode))])
    turn = sessions.next_turn(session.session_id)
    queued_behind = _active_turns(session.session_id, before=turn)
    exchange = RawExchange(
        session.session_id,
        turn,
        user_id=caller.user_id,
        project_id=session.project_id,
        request_text=message,
        status=ExchangeStatus.QUEUED.value,
        client_message_id=client_message_id,
    )
    exchange.save()
    if connection_id:
        connections.follow(connection_id, session.session_id)
    stream = SessionStream(session.session_id, caller.user_id)
    if created:
        stream.publish({"type": "session.created", "projectId": session.project_id, "title": session.title})
    # Announced before the job is queued, so the runner's turn.started can never be numbered ahead of it.
    stream.publish(
        {
            "type": "message.accepted",
            "turn": turn,
            "clientMessageId": client_message_id,
            "message": message,
            "queued": queued_behind > 0,
        }
    )
    try:
        job = jobs.enqueue(
            "chat.turn",
            {"session_id": session.session_id, "turn": turn},
            group_id=f"session-{session.session_id}",
            owner_id=caller.user_id,
            correlation_id=correlation_id,
        )
    except StudioError as exc:
        exchange.update(
            actions=[RawExchange.status.set(ExchangeStatus.FAILED.value), RawExchange.error.set(exc.message)]
        )
        stream.publish({"type": "error", "turn": turn, "code": exc.code, "message": exc.message})
        raise
    exchange.update(actions=[RawExchange.job_id.set(job.job_id)])
    return exchange


def _active_turns(session_id: str, *, before: int) -> int:
    """How many earlier turns of the session are still queued or running."""
    earlier = RawExchange.query(session_id, RawExchange.turn < before, scan_index_forward=False, limit=20)
    return sum(1 for exchange in earlier if exchange.status in ACTIVE)


def _current(session_id: str) -> RawExchange | None:
    """The oldest turn still queued or running."""
    active = [e for e in RawExchange.query(session_id, scan_index_forward=False, limit=50) if e.status in ACTIVE]
    return min(active, key=lambda e: int(e.turn)) if active else None


def abort(caller: Principal, session_id: Any) -> int:
    """Ask the runner to stop the turn in progress (or drop it if it has not started); returns its number."""
    session = sessions.owned(caller, session_id)
    exchange = _current(session.session_id)
    if exchange is None:
        raise ConflictError("Nothing is running in this session.", code="nothing_to_abort")
    exchange.update(actions=[RawExchange.abort_requested.set(True)])
    return int(exchange.turn)


def answer(caller: Principal, session_id: Any, turn: Any, question_id: Any, reply: Any) -> None:
    """Record the user's answer to a question Claude asked; the runner passes it on."""
    session = sessions.owned(caller, session_id)
    if not isinstance(turn, int) or isinstance(turn, bool):
        raise ValidationError("'turn' must be a number.", code="invalid_request")
    question_id = _text(question_id, "questionId", limit=200)
    if not isinstance(reply, str | dict | bool) or (isinstance(reply, str) and len(reply) > MAX_MESSAGE_CHARS):
        raise ValidationError("'answer' must be text, a choice or allow/deny.", code="invalid_request")
    try:
        exchange = RawExchange.get(session.session_id, turn, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("There is no such turn in this session.", code="turn_not_found") from None
    answers = dict(exchange.answers or {})
    answers[question_id] = reply
    try:
        exchange.update(
            actions=[RawExchange.answers.set(answers)],
            condition=RawExchange.status == ExchangeStatus.RUNNING.value,
        )
    except UpdateError as exc:
        raise ConflictError("That turn is no longer waiting for an answer.", code="turn_finished") from exc


def history(
    caller: Principal, session_id: Any, *, before_turn: int | None = None, limit: int = 20
) -> list[RawExchange]:
    """Turns of a session, newest page first (long histories load page by page)."""
    session = sessions.owned(caller, session_id)
    condition = RawExchange.turn < before_turn if before_turn else None
    page = RawExchange.query(session.session_id, condition, scan_index_forward=False, limit=min(limit, 100))
    return list(page)


def last_seq(session_id: str) -> int:
    return int(Session.get(session_id, consistent_read=True).last_seq or 0)
