"""A chat turn from the API's side: accept the message, queue the turn, take aborts and answers, page the history.

The runner does the turn itself (runner/jobs/chat.py, writing through shared.chat.records). Turns of one session
share a FIFO message group, so a message sent while a turn runs waits its turn, in order, and is shown as queued
meanwhile. The `raw_exchanges` table (one row per turn) is this module's and `shared.chat.records`'.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist, UpdateError

from shared import aws, jobs
from shared.accounts import ratelimit
from shared.accounts.domain import Principal
from shared.chat import events, followers, sessions, views
from shared.chat.events import SessionStream
from shared.chat.records import OPEN
from shared.chat.schemas import MAX_MESSAGE_CHARS, ChatAnswer, ChatPrewarm, ChatSend
from shared.concurrency import together
from shared.db import Reads, put_all
from shared.errors import ConflictError, NotFoundError, StudioError, ValidationError
from shared.jobs import JobStatus, routing, store
from shared.jobs.store import new_job_id
from shared.logs import logger
from shared.models.accounts import RateLimitScope
from shared.models.chat import ExchangeStatus, PermissionMode, RawExchange, SessionEvent
from shared.projects import service as projects
from shared.projects.views import ProjectView
from shared.quotas.daily import take_turn
from shared.quotas.settings import current_in as quota_limits
from shared.realtime.messages import parse
from shared.settings import get_settings

NOT_ANNOUNCED = "The message could not be accepted. Send it again."

__all__ = ["MAX_MESSAGE_CHARS", "abort", "accept", "answer", "history", "page", "prewarm", "send"]


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
) -> views.Turn:
    """Accept one message given as plain values (an integration's run), checked as a chat.send is."""
    request = parse(
        ChatSend,
        {
            "project_id": project_id,
            "session_id": session_id,
            "message": message,
            "client_message_id": client_message_id,
            "permission_mode": permission_mode,
        },
    )
    return accept(caller, request, correlation_id=correlation_id, connection_id=connection_id)


def accept(
    caller: Principal,
    request: ChatSend,
    *,
    correlation_id: str | None = None,
    connection_id: str | None = None,
) -> views.Turn:
    """Accept one message: create the session on the first one, record the turn, queue it for the runner.

    The calls that need nothing from each other run at once: one read of the session, its project with the
    caller's membership, the quota's limits, the session's lease (where its process is kept, with the lease of
    the runner that kept it last: shared.jobs.routing) and the session the connection follows; then the daily
    quota's count (and the lease's runner, when another holds it now); whether earlier turns are open (asked only
    when the turn before had not ended as this one was numbered); the turn's record, its job's and the log item of
    the events announcing it, in one write; then those events are sent, and only then the job's message.
    The turn's number, the numbers of those events and, for a connection new to the session, its place among the
    followers are one write of the session (sessions.next_turn; for a new chat, the write that creates it).
    """
    with together() as calls:
        reads = Reads()  # one BatchGetItem where there were five GetItems
        warm = request.session_id or request.new_session_id  # a prewarmed new chat's process is leased too
        lease = routing.session_lease_in(reads, warm) if warm else None
        limits = quota_limits(reads)
        own = sessions.owned_in(reads, caller, request.session_id) if request.session_id else None
        named = request.project_id if own is not None else None  # read with the session, as the web app names it
        project = projects.open_project_in(reads, caller, named, write=True) if named else None
        following = followers.following_in(reads, connection_id) if connection_id is not None else None
        calls.soon(reads.send)  # first: what waits for it below queues behind it in the pool
        route = calls.soon(routing.queue_of, lease) if lease else None
        quota = calls.soon(take_turn, caller.user_id, limits)
        announced: list[dict[str, Any]] = []
        if request.session_id is None:
            # The session, its first turn and its numbers in one write, made only once the quota allows it.
            session, taken = sessions.start(caller, request, numbers=2, follower=connection_id, allowed=quota.result)
            announced.append({"type": "session.created", "projectId": session.project_id, "title": session.title})
            joins = connection_id is not None
        else:
            assert own is not None
            session = _own_session(caller, request, own, project)
            quota.result()
            joins = following is not None and following.result() != session.id
            taken = sessions.next_turn(session.id, numbers=1, follower=connection_id if joins else None)
        joining = None
        if joins:  # the connection's side of following, while the turn is recorded
            assert connection_id is not None and following is not None
            joining = calls.soon(followers.joined, connection_id, session.id, following.result())
        exchange = RawExchange(
            session.id,
            taken.turn,
            user_id=caller.user_id,
            project_id=session.project_id,
            request_text=request.message,
            status=ExchangeStatus.QUEUED.value,
            client_message_id=request.client_message_id,
            job_id=new_job_id(),  # the job queued below carries it: one write fewer than recording it after
        )
        # Whether earlier turns are still open: not asked when the turn before had ended as the turn was numbered.
        asks = taken.turn > 1 and taken.ended != taken.turn - 1
        queued = _active_turns(session.id, before=taken.turn) > 0 if asks else False
        job = jobs.prepare(
            "chat.turn",
            _payload(exchange, follows=taken.turn - 1 if queued else None),
            group_id=f"session-{session.id}",
            owner_id=caller.user_id,
            correlation_id=correlation_id,
            timeout_seconds=get_settings().chat_turn_timeout_seconds,
            job_id=exchange.job_id,
        )
        accepted = {
            "type": "message.accepted",
            "turn": taken.turn,
            "clientMessageId": request.client_message_id,
            "message": request.message,
            "queued": queued,
        }
        announcing = events.numbered(session.id, [*announced, accepted], taken.first_seq)
        _record(exchange, job, events.log_item(session.id, announcing, [events.now_ms()] * len(announcing)))
        _announce(exchange, job, announcing, taken.followers)
        _send(exchange, job, SessionStream(session.id, caller.user_id), route.result() if route else None)
        if joining is not None:
            joining.result()
    return views.Turn.model_validate(exchange)


def _record(exchange: RawExchange, job: jobs.Job, logged: SessionEvent) -> None:
    """The turn, its job and the events announcing it, written in one call (shared.db.put_all): an accepted message
    is always a turn that exists, with its job. If the call fails, whatever of them it wrote is deleted again:
    nothing of the turn is left, and its job never reaches a runner."""
    try:
        put_all(exchange, job, logged)
    except Exception:
        for item in (logged, job, exchange):
            try:
                item.delete(add_version_condition=False)
            except Exception:
                logger.exception("could not delete a part of a turn that could not be recorded")
        raise


def _announce(
    exchange: RawExchange, job: jobs.Job, announcing: list[dict[str, Any]], following: frozenset[str]
) -> None:
    """Send the events that announce the turn (logged with it): a new session's first, then message.accepted,
    which says whether it waits behind earlier turns. Sent before the job is: turn.started comes after them, in
    number and on the wire. If they cannot be sent, the turn and its job end failed, and the job is never sent."""
    try:
        events.deliver(exchange.session_id, following, announcing)
    except Exception:
        exchange.update(
            actions=[RawExchange.status.set(ExchangeStatus.FAILED.value), RawExchange.error.set(NOT_ANNOUNCED)]
        )
        store.finish(job, JobStatus.FAILED, error="The job was not sent: the turn could not be announced.")
        raise


def _own_session(
    caller: Principal, request: ChatSend, own: Future[views.Session], project: Future[ProjectView] | None
) -> views.Session:
    """The caller's session the message goes to, in a project they may still change (read with the session when
    the message names it, as the web app's do)."""
    session = own.result()
    if request.project_id is not None and request.project_id != session.project_id:
        raise ValidationError("This session belongs to another project.", code="wrong_project")
    if project is not None:
        project.result()
    else:
        projects.open_project(caller, session.project_id, write=True)
    if request.permission_mode is not None:
        mode = sessions.permission_mode(request.permission_mode)
        if mode != session.permission_mode:
            sessions.set_permission_mode(session.id, mode)
    return session


def prewarm(caller: Principal, request: ChatPrewarm) -> dict[str, Any]:
    """Ask the runner to start the session's CLI process before its next message (runner/claude/warm.py).

    For a new chat the session's id is chosen here, and the first chat.send names it (`newSessionId`), so the
    process started now is the one that answers. Nothing is recorded: a reserved id that is never used is nothing.
    """
    if request.session_id is not None:
        session = sessions.owned(caller, request.session_id)
        session_id, project_id, new = session.id, session.project_id, False
    else:
        assert request.project_id is not None  # ChatPrewarm requires one of them
        session_id, project_id, new = sessions.new_id(), request.project_id, True
    projects.open_project(caller, project_id, write=True)  # only someone who may chat there
    ratelimit.take(RateLimitScope.PREWARM_USER, caller.user_id)
    jobs.enqueue(
        "chat.prewarm",
        {"session_id": session_id, "user_id": caller.user_id, "project_id": project_id},
        group_id=f"prewarm-{session_id}",
        owner_id=caller.user_id,
        warm_session=session_id,  # a runner that keeps it already has nothing to do
    )
    return {"type": "session.prewarming", "sessionId": session_id, "projectId": project_id, "new": new}


def _payload(exchange: RawExchange, *, follows: int | None) -> dict[str, Any]:
    """The turn's job: which turn, and with the project and the user, the runner starts the turn's reads before the
    turn is taken; `follows`: the turn before, open when this one was accepted (the runner takes this one only
    once that one ended: runner/jobs/chat.py; its message may wait in another queue, e.g. of a runner that died)."""
    payload: dict[str, Any] = {
        "session_id": exchange.session_id,
        "turn": int(exchange.turn),
        "project_id": exchange.project_id,
        "user_id": exchange.user_id,
    }
    if follows is not None:
        payload["follows"] = follows
    return payload


def _send(exchange: RawExchange, job: jobs.Job, stream: SessionStream, runner_queue: str | None) -> None:
    """Send the turn's job (to the runner keeping the session's Claude process, if one does); a queue that cannot
    take it fails the job (jobs.send) and the turn, and says so on the stream."""
    try:
        jobs.send(job, runner_queue)
    except StudioError as exc:
        exchange.update(
            actions=[RawExchange.status.set(ExchangeStatus.FAILED.value), RawExchange.error.set(exc.message)]
        )
        stream.publish({"type": "error", "turn": int(exchange.turn), "code": exc.code, "message": exc.message})
        raise


def _active_turns(session_id: str, *, before: int) -> int:
    """How many earlier turns of the session are still queued or running. The turn just before counts as open when
    its record is not there yet: its message was accepted at the same moment, and is being recorded (or the query,
    not strongly consistent, does not see it yet). If it never gets recorded (its accept failed), the runner finds
    no turn to wait for and goes on."""
    earlier = list(RawExchange.query(session_id, RawExchange.turn < before, scan_index_forward=False, limit=20))
    unseen = not earlier or int(earlier[0].turn) != before - 1
    return int(unseen) + sum(1 for exchange in earlier if exchange.status in OPEN)


def _current(session_id: str) -> RawExchange | None:
    """The oldest turn still queued or running."""
    active = [e for e in RawExchange.query(session_id, scan_index_forward=False, limit=50) if e.status in OPEN]
    return min(active, key=lambda e: int(e.turn)) if active else None


def abort(caller: Principal, session_id: Any) -> int:
    """Ask the runner to stop the turn in progress (or drop it if it has not started); returns its number."""
    session = sessions.owned(caller, session_id)
    exchange = _current(session.id)
    if exchange is None:
        raise ConflictError("Nothing is running in this session.", code="nothing_to_abort")
    exchange.update(actions=[RawExchange.abort_requested.set(True)])
    return int(exchange.turn)


def answer(caller: Principal, reply: ChatAnswer) -> None:
    """Record the user's answer to a question Claude asked; the runner passes it on."""
    session = sessions.owned(caller, reply.session_id)
    try:
        exchange = RawExchange.get(session.id, reply.turn, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("There is no such turn in this session.", code="turn_not_found") from None
    answers = dict(exchange.answers or {})
    answers[reply.question_id] = reply.answer
    if reply.scope == "session":
        if session.permission_mode == PermissionMode.PLAN.value:
            raise ValidationError(
                "In plan mode every change is asked for: allow this once instead.", code="invalid_request"
            )
        answers[reply.question_id] = {"behavior": "allow", "scope": "session"}  # the runner keeps its rule
    try:
        exchange.update(
            actions=[RawExchange.answers.set(answers)],
            condition=RawExchange.status == ExchangeStatus.RUNNING.value,
        )
    except UpdateError as exc:
        raise ConflictError("That turn is no longer waiting for an answer.", code="turn_finished") from exc


def history(caller: Principal, session_id: Any, *, before_turn: int | None = None, limit: int = 20) -> list[views.Turn]:
    """Turns of a session, newest page first (long histories load page by page)."""
    session = sessions.owned(caller, session_id)
    condition = RawExchange.turn < before_turn if before_turn else None
    page = RawExchange.query(session.id, condition, scan_index_forward=False, limit=min(limit, 100))
    return [_whole(row) for row in page]


def _whole(row: RawExchange) -> views.Turn:
    """The turn as recorded, with an answer too long for its row read back from S3."""
    turn = views.Turn.model_validate(row)
    if not row.response_s3_key:
        return turn
    try:
        body = aws.client("s3").get_object(Bucket=get_settings().workspace_bucket, Key=row.response_s3_key)["Body"]
        return turn.model_copy(update={"response": body.read().decode("utf-8", errors="replace")})
    except (ClientError, BotoCoreError):
        logger.warning("a long answer could not be read back", extra={"key": row.response_s3_key})
        return turn  # its first 300 KB, from the row


def page(caller: Principal, session_id: Any, *, before_turn: int | None = None, limit: int = 20) -> views.TurnsPage:
    """One page of `history`, with the turn to ask for the next one before (None on the last page)."""
    turns = history(caller, session_id, before_turn=before_turn, limit=limit)
    more = len(turns) == limit and turns[-1].turn > 1
    return views.TurnsPage(turns=turns, next_before=turns[-1].turn if more else None)
