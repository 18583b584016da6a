"""A turn's records as the runner writes them: taken, started, polled for aborts and answers, finished.

    queued ──start──▶ running ──finish──▶ completed | failed | aborted
      └───────────────finish (aborted before it started, or its runner died)──▲

The turn's row (raw_exchanges) and its session's state (running or idle, where the CLI's conversation stands)
change together here; the API's side of the same rows is shared.chat.turns. Every way a turn ends passes
through `finish`, so none is left running.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import field_validator
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import size

from shared import aws
from shared.chat import naming, views
from shared.chat.stream import TurnStream
from shared.concurrency import soon
from shared.db import condition_failed
from shared.logs import logger
from shared.models.base import utcnow
from shared.models.chat import ExchangeStatus, PermissionMode, RawExchange, Session, SessionStatus
from shared.schema import Amount, Schema
from shared.settings import get_settings

__all__ = [
    "Conversation",
    "ExchangeStatus",
    "Finished",
    "Pending",
    "PermissionMode",
    "allow_for_session",
    "begin",
    "finish",
    "name_after_first_turn",
    "poll",
    "start",
    "take",
]

RESPONSE_INLINE_LIMIT = 300_000  # bytes; DynamoDB items stop at 400 KB
ACTIVITY_LIMIT = 200  # entries of a turn's activity kept; past it, the last ones (and how many were left out)
ACTIVITY_BYTES = 60_000  # and at most this much JSON, so row + answer stay under DynamoDB's 400 KB
ERROR_LIMIT = 2000
ALLOWED_TOOLS_LIMIT = 50  # "Allow for this session" rules a session keeps; past it, requests are asked again
OPEN = (ExchangeStatus.QUEUED.value, ExchangeStatus.RUNNING.value)  # a turn still to run, or running


class Conversation(views.Session):
    """A session as the runner needs it for a turn: the view, whose it is, and where its CLI left off."""

    user_id: str
    claude_session_id: str | None = None  # passed to `claude --resume`
    cli_cost_total: Amount = 0.0  # the CLI reports a resumed session's cost as a running total


class Pending(views.Turn):
    """A turn as the runner sees it: the view, and what the user asked of it while it waits or runs."""

    abort_requested: bool = False
    answers: dict[str, Any] = {}

    @field_validator("answers", mode="before")
    @classmethod
    def _none_yet(cls, value: Any) -> Any:
        return value or {}

    @property
    def is_open(self) -> bool:
        """Still queued or running: the runner has work to do (a duplicate message finds it closed)."""
        return self.status in OPEN


class Finished(Schema):
    """How a turn ended, as the runner saw it."""

    status: ExchangeStatus
    duration_ms: int
    error: str | None = None
    response_text: str = ""
    model: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    claude_session_id: str | None = None  # the CLI's conversation, resumed by the session's next turn
    cli_cost_total: float | None = None  # the CLI's running total for that conversation
    activity: list[dict[str, Any]] = []  # what Claude did and asked, in order (runner/claude/activity.py)


def long_response_key(project_id: str, session_id: str, turn: int) -> str:
    """Where an answer too long for its row lives (removed with its session, or its project's transcripts)."""
    return f"sessions/{project_id}/responses/{session_id}/{turn}.md"


def bounded(activity: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The turn's activity within ACTIVITY_LIMIT entries and ACTIVITY_BYTES of JSON: the latest are kept."""
    kept = activity[-ACTIVITY_LIMIT:]
    while kept and len(json.dumps(kept)) > ACTIVITY_BYTES:
        kept = kept[len(kept) // 4 or 1 :]
    left_out = len(activity) - len(kept)
    if left_out:
        kept = [{"kind": "notice", "message": f"{left_out} earlier steps of this turn are not shown."}, *kept]
    return kept


def take(session_id: str, turn: int) -> tuple[Conversation, Pending]:
    """The turn and its session, read strongly consistent (the API wrote them a moment ago)."""
    session = Session.get(session_id, consistent_read=True)
    return Conversation.model_validate(session), poll(session_id, turn)


def conversation_or_new(session_id: str, *, user_id: str, project_id: str) -> Conversation | None:
    """The session as a turn would find it; for an id not used yet (a new chat's, reserved by chat.prewarm), how a
    new session starts. None when the session is someone else's or in another project."""
    try:
        conversation = Conversation.model_validate(Session.get(session_id, consistent_read=True))
    except DoesNotExist:
        now = utcnow()
        return Conversation(
            id=session_id,
            project_id=project_id,
            user_id=user_id,
            title="",
            permission_mode=PermissionMode.DEFAULT.value,
            status=SessionStatus.IDLE.value,
            last_seq=0,
            message_count=0,
            created_at=now,
            updated_at=now,
        )
    if conversation.user_id != user_id or conversation.project_id != project_id:
        return None
    return conversation


def poll(session_id: str, turn: int) -> Pending:
    """The turn as it stands now: whether the user asked to stop it, and their answers so far."""
    return Pending.model_validate(RawExchange.get(session_id, turn, consistent_read=True))


def open_for(session_id: str, turn: int) -> float | None:
    """Seconds since the turn was accepted, if it is still queued or running; None when it ended (or never was)."""
    try:
        exchange = RawExchange.get(session_id, turn, consistent_read=True, attributes_to_get=["status", "created_at"])
    except DoesNotExist:
        return None
    return (utcnow() - exchange.created_at).total_seconds() if exchange.status in OPEN else None


def allow_for_session(session_id: str, rule: str) -> bool:
    """Keep an "Allow for this session" rule with the session (its later turns apply it); False if it could not
    be (the session is gone, or has ALLOWED_TOOLS_LIMIT rules already)."""
    try:
        Session(session_id).update(
            actions=[Session.allowed_tools.add({rule})],
            condition=Session.session_id.exists()
            & (Session.allowed_tools.does_not_exist() | (size(Session.allowed_tools) < ALLOWED_TOOLS_LIMIT)),
        )
    except UpdateError:
        logger.warning("could not keep a rule for the session", extra={"session_id": session_id})
        return False
    return True


def begin(
    session_id: str,
    turn: int,
    *,
    session: Future[Session] | None = None,
    took: Future[Taken | None] | None = None,
) -> tuple[Conversation, Pending, bool]:
    """Take a queued turn (`take_queued`, or `took`: taken already, as its job started), its session read at the
    same time (or given, read as its job started: `read_session`). The flag says whether it started; if it did
    not, the turn is as it stands (finished, asked to stop before it started, or running already: a message
    delivered again), read strongly consistent."""
    session = session or read_session(session_id)
    taken = took.result() if took is not None else take_queued(session_id, turn)
    pending = taken.pending if taken is not None else poll(session_id, turn)
    return Conversation.model_validate(session.result()), pending, taken is not None


@dataclass(frozen=True)
class Taken:
    """A turn taken by `take_queued`, as it stood then, and when it was."""

    pending: Pending
    at: datetime


def take_queued(session_id: str, turn: int) -> Taken | None:
    """queued → running in one conditional write that returns the turn; None when it was not queued (finished,
    running already, asked to stop before it started)."""
    exchange, now = RawExchange(session_id, turn), utcnow()
    try:
        exchange.update(
            actions=_running(now),
            condition=(RawExchange.status == ExchangeStatus.QUEUED.value)
            & (RawExchange.abort_requested.does_not_exist() | (RawExchange.abort_requested == False)),  # noqa: E712
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return Taken(Pending.model_validate(exchange), now)


def put_back(session_id: str, turn: int, taken: Taken) -> None:
    """A turn taken for a job that then did not start (`take_queued`, as its message came): queued again, unless
    it moved on since (another take of it, or its end)."""
    try:
        RawExchange(session_id, turn).update(
            actions=[RawExchange.status.set(ExchangeStatus.QUEUED.value), RawExchange.started_at.remove()],
            condition=(RawExchange.status == ExchangeStatus.RUNNING.value) & (RawExchange.started_at == taken.at),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise


def read_session(session_id: str) -> Future[Session]:
    """Start reading the session as `begin` needs it (the turns before are over by then: their jobs ran first)."""
    return soon(Session.get, session_id, consistent_read=True)


def start(conversation: Conversation, turn: int, *, taken: bool = False) -> TurnStream:
    """queued → running: the turn (unless `begin` did), and its session with the first numbers of the turn's
    stream, which is returned (one write of the session where there were two)."""
    if not taken:
        RawExchange(conversation.id, turn).update(actions=_running())
    return TurnStream(conversation.id, conversation.user_id, on_open=[Session.status.set(SessionStatus.RUNNING.value)])


def _running(now: datetime | None = None) -> list[Any]:
    return [RawExchange.status.set(ExchangeStatus.RUNNING.value), RawExchange.started_at.set(now or utcnow())]


def finish(
    conversation: Conversation, pending: Pending, finished: Finished, stream: TurnStream | None = None
) -> views.Turn:
    """Record how the turn ended and where the CLI's conversation stands; the session is idle again (written when
    the turn's `stream` closes, with its last numbers, when one is given: it closes before anyone sees the end).

    Returns the turn as recorded (as it was, if it could not be). The usage of each model request the turn made
    is recorded by the model gateway as it happens.
    """
    exchange = RawExchange(conversation.id, pending.turn)
    try:
        exchange.update(actions=_turn_actions(conversation, pending.turn, finished))
        recorded: views.Turn = views.Turn.model_validate(exchange)
    except UpdateError:
        logger.exception("could not record the turn")
        recorded = pending
    session_actions: list[Any] = [
        Session.status.set(SessionStatus.IDLE.value),
        Session.updated_at.set(utcnow()),
        Session.ended_turn.set(pending.turn),
    ]
    if finished.claude_session_id:
        session_actions.append(Session.claude_session_id.set(finished.claude_session_id))
        if finished.cli_cost_total is not None:
            session_actions.append(Session.cli_cost_total.set(finished.cli_cost_total))
    if stream is not None:
        stream.closing += session_actions
    else:
        Session(conversation.id).update(actions=session_actions)
    return recorded


def name_after_first_turn(conversation: Conversation, turn: views.Turn) -> str | None:
    """A session's first completed turn names it from the exchange (shared.chat.naming), unless the person renamed
    it: the write is conditional on the title it was created with. Returns the new title, or None if it stays."""
    if turn.turn != 1 or turn.status != ExchangeStatus.COMPLETED.value:
        return None
    given = naming.title_for_message(turn.request)
    title = naming.title_after_first_turn(turn.request, turn.response or "")
    if title == given or conversation.title != given:  # the same words, or renamed before the turn began
        return None
    try:
        Session(conversation.id).update(actions=[Session.title.set(title)], condition=Session.title == given)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None  # renamed while the turn ran
        raise
    return title


def _turn_actions(conversation: Conversation, turn: int, finished: Finished) -> list[Any]:
    encoded = finished.response_text.encode()
    text = encoded[:RESPONSE_INLINE_LIMIT].decode(errors="ignore")
    actions: list[Any] = []
    if len(encoded) > RESPONSE_INLINE_LIMIT:
        # Too long for the row (items stop at 400 KB): the whole answer goes to S3, the row keeps its start.
        key = long_response_key(conversation.project_id, conversation.id, turn)
        aws.client("s3").put_object(
            Bucket=get_settings().workspace_bucket, Key=key, Body=encoded, ContentType="text/markdown; charset=utf-8"
        )
        actions.append(RawExchange.response_s3_key.set(key))
    if finished.activity:
        actions.append(RawExchange.activity.set(bounded(finished.activity)))
    actions += [
        RawExchange.status.set(finished.status.value),
        RawExchange.finished_at.set(utcnow()),
        RawExchange.duration_ms.set(finished.duration_ms),
        RawExchange.tokens_in.set(finished.tokens_in),
        RawExchange.tokens_out.set(finished.tokens_out),
        RawExchange.cache_read_tokens.set(finished.cache_read_tokens),
        RawExchange.cache_write_tokens.set(finished.cache_write_tokens),
        RawExchange.cost_usd.set(round(finished.cost_usd, 6)),
        RawExchange.response_text.set(text),
    ]
    if finished.model:
        actions.append(RawExchange.model.set(finished.model))
    if finished.error:
        actions.append(RawExchange.error.set(finished.error[:ERROR_LIMIT]))
    return actions
