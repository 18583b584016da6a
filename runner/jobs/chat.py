"""The chat turn: bring the workspace down, run the Claude CLI, relay its stream, sync back, record the turn.

    the session's warm box (runner/claude/warm.py: a sandbox box, a model token, maybe a live CLI process)
    pull the project's files and the user's transcripts of the project
    run the CLI as the box's user (resuming the session), relay its stream, pass on permission answers
        (runner/claude/conversation.py)
    end every process of the box's user but the kept CLI, push the files and transcripts, record the turn

Whatever happens, the turn ends in a terminal state (completed, failed or aborted) with an event that says
so: a crash of the CLI, a timeout, an abort or a storage error never leaves it "running".
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import Future
from typing import Any

from runner.claude.access import EXPIRY_GRACE_SECONDS
from runner.claude.config import NOT_CONFIGURED, system_prompt
from runner.claude.conversation import Turn, TurnOutcome, start_process, talk
from runner.claude.relay import Relay
from runner.claude.rules import place_user_rules, record_claude_edit
from runner.claude.warm import Seen, SessionKey, Workplace, fingerprint, warm_pool
from runner.context import JobContext
from runner.drives.project import ProjectMounts
from runner.errors import JobFailedError
from runner.registry import job_handler
from runner.services import Services
from shared import integrations
from shared.chat import quality, records, turn_reads, views
from shared.chat.records import Conversation, ExchangeStatus, Pending
from shared.chat.stream import TurnStream
from shared.concurrency import soon, together
from shared.drives.mounts import mounts_for_project
from shared.jobs import Job, routing
from shared.logs import logger
from shared.projects import service as projects
from shared.projects.views import Project
from shared.provider.service import active as active_provider
from shared.rules.service import active_user_rules
from shared.settings import get_settings


def interrupted(job: Job) -> None:
    """The runner died during the turn: the turn ends as failed, and the user is told."""
    conversation, pending = records.take(job.payload["session_id"], int(job.payload["turn"]))
    if not pending.is_open:
        return
    message = "The turn was interrupted because the runner stopped. Send the message again."
    _record(conversation, pending, ExchangeStatus.FAILED, error=message)
    # Through a stream of its own, whose close also ends the `streaming` mark the dead runner's stream left.
    error = {"type": "error", "turn": pending.turn, "code": "runner_stopped", "message": message}
    TurnStream(conversation.id, conversation.user_id).close(error)


# A turn whose predecessor is still open looks again this often (its message going behind the predecessor's each
# time), and goes on anyway once the predecessor was accepted this long ago: a turn waits, it is not stuck.
FOLLOW_RETRY_SECONDS = 2.0
FOLLOW_AT_MOST_SECONDS = 20 * 60


def _read_ahead(payload: dict[str, Any], services: Services) -> _Ahead:
    return _Ahead(payload)


def _waits(payload: dict[str, Any]) -> float | None:
    """A turn accepted while the one before it was open runs after it, even when their messages went to different
    queues (the earlier one to a runner that died, waiting to be moved; the later one to the shared queue)."""
    follows = payload.get("follows")
    if not isinstance(follows, int) or isinstance(follows, bool):
        return None
    waited = records.open_for(str(payload["session_id"]), follows)
    if waited is None:
        return None
    if waited >= FOLLOW_AT_MOST_SECONDS:
        logger.warning("the turn before is still open after a long time; this one goes on", extra={"turn": follows})
        return None
    return FOLLOW_RETRY_SECONDS


@job_handler("chat.turn", on_interrupted=interrupted, ahead=_read_ahead, waits=_waits)
def chat_turn(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.job.payload
    read = ctx.ahead  # from the job's message; used when it carried the record's very payload
    if isinstance(read, _Ahead) and read.payload != payload:
        read.drop()  # read for another payload than the job's record has: whatever it took goes back first
    ahead = read if isinstance(read, _Ahead) and read.payload == payload else _Ahead(payload)
    session_id, turn = str(payload["session_id"]), int(payload["turn"])
    conversation, pending, taken = records.begin(session_id, turn, session=ahead.session, took=ahead.took)
    if not taken:
        if not pending.is_open:
            return {"skipped": pending.status}
        if pending.abort_requested:
            _record(conversation, pending, ExchangeStatus.ABORTED)
            TurnStream(session_id, conversation.user_id).close({"type": "turn.aborted", "turn": turn})
            return {"status": "aborted"}
    opening = _Opening(conversation, turn, taken)
    started, outcome, relay = time.monotonic(), TurnOutcome(), None
    try:
        relay = _run(ctx, conversation, pending, opening, outcome, ahead=ahead)
    except Exception as exc:
        logger.exception("chat turn failed")
        outcome.fail("turn_failed", f"The turn failed on our side: {type(exc).__name__}. Try again.")
    finally:
        with contextlib.suppress(Exception):  # failed: the turn failed with it (_run), and says so below
            opening.started().result()
        stream = opening.stream()  # a stream that could not open fails the job as before (the turn is interrupted)
        with stream:  # closed with the turn's last event, the turn logged whole before its quality is read from it
            recorded = _record(
                conversation, pending, outcome.status, error=outcome.error, relay=relay, started=started, stream=stream
            )
            if outcome.status is ExchangeStatus.ABORTED:
                stream.close({"type": "turn.aborted", "turn": turn})
            elif outcome.error:
                stream.close({"type": "error", "turn": turn, "code": outcome.code, "message": outcome.error})
            else:
                _announce_title(conversation, recorded, stream)
                stream.close(_done_event(recorded))
    _quality(session_id, turn)
    if outcome.status is ExchangeStatus.FAILED and outcome.code == "timeout":
        raise JobFailedError(outcome.error or "timeout")
    return {"status": outcome.status.value}


class _Opening:
    """The turn's stream: opened (its first numbers; the session marked running) and turn.started said as the CLI
    is given the message, or is about to be started for it, while the CLI makes its request (the reads and writes
    of the opening no longer share the time before the message goes, which every warm turn waits for); or when an
    event or the turn's end needs it first. The relay waits for it before the turn's first event."""

    def __init__(self, conversation: Conversation, turn: int, taken: bool) -> None:
        self._conversation, self._turn, self._taken = conversation, turn, taken
        self._lock = threading.Lock()
        self._opened: Future[TurnStream] | None = None
        self._said: Future[TurnStream] | None = None

    def started(self) -> Future[TurnStream]:
        """Open the stream and say turn.started, unless that is under way; the stream once it was said."""
        with self._lock:
            if self._said is None:
                self._opened = soon(records.start, self._conversation, self._turn, taken=self._taken)
                self._said = soon(_say_started, self._opened, self._turn)
            return self._said

    def publish(self, event: dict[str, Any]) -> dict[str, Any]:
        """The turn's events, on its stream once turn.started is out."""
        return self.started().result().publish(event)

    def stream(self) -> TurnStream:
        """The open stream (turn.started said or not: the turn's end closes it either way)."""
        self.started()
        assert self._opened is not None
        return self._opened.result()


def _say_started(opened: Future[TurnStream], turn: int) -> TurnStream:
    stream = opened.result()
    stream.publish({"type": "turn.started", "turn": turn})
    return stream


def _quality(session_id: str, turn: int) -> None:
    """The turn's quality signals, once it is logged whole (here rather than in a chat.quality job of its own: a job
    record, a message and its receipt fewer per turn)."""
    try:
        quality.record(session_id, turn)
    except Exception:
        logger.exception("could not record the turn's quality signals")


class _Ahead:
    """What a turn reads that needs nothing from what comes before it, started from its job's message while the
    job is being started (runner/worker.py), or else as the job starts: the session, the provider, the project and
    the generations of the box's folders, of the user's CLAUDE.md and of the project's drives in one call
    (turn_reads.read_turn), then the CLAUDE.md and the drives where they moved (a job queued without the project
    or the user reads them later, as it comes to them).
    """

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        session_id, turn = str(payload["session_id"]), int(payload["turn"])
        # The turn is taken (queued → running) while its job is: a job that then does not start puts it back.
        self.took = soon(records.take_queued, session_id, turn)
        project_id, user_id = payload.get("project_id"), payload.get("user_id")
        self._for: tuple[str, str] | None = (str(project_id), str(user_id)) if project_id and user_id else None
        read = turn_reads.read_turn(session_id, *(self._for or ()))
        self.session, self.provider, self._project = read.session, read.provider, read.project
        self.seen = Seen(read.files, read.transcripts) if self._for else None
        self.rules = soon(active_user_rules, str(user_id), read.rules) if self._for else None
        self.mounts = soon(mounts_for_project, str(project_id), read.mounts) if self._for else None

    def drop(self) -> None:
        """The job did not start after all (runner/worker.py): the turn, if it was taken for it, is queued again."""
        try:
            taken = self.took.result()
            if taken is not None:
                records.put_back(str(self.payload["session_id"]), int(self.payload["turn"]), taken)
        except Exception:
            logger.exception("could not put back a turn taken for a job that did not start")

    def project(self, project_id: str) -> Project:
        if self._project is not None:
            project = self._project.result()
            if project.project_id == project_id:
                return project
        return projects.get(project_id)

    def of(self, key: SessionKey) -> bool:
        """Whether what was read ahead is of this box's project and user."""
        return self._for == (key.project_id, key.user_id)


def _run(
    ctx: JobContext,
    conversation: Conversation,
    pending: Pending,
    opening: _Opening,
    outcome: TurnOutcome,
    *,
    ahead: _Ahead,
) -> Relay | None:
    settings = get_settings()
    provider = ahead.provider.result()
    if provider is None:
        outcome.fail("claude_not_configured", NOT_CONFIGURED)
        return None
    project = ahead.project(conversation.project_id)
    services = ctx.services
    key = SessionKey(conversation.id, conversation.user_id, project.project_id)
    read = ahead.of(key)
    with warm_pool(services).session(key, provider) as warm:
        box = warm.box
        warm.begin_turn(
            provider,
            services.upstream(provider),
            job_id=ctx.job.job_id,
            turn=pending.turn,
            until=time.time() + max(ctx.remaining(), 0) + EXPIRY_GRACE_SECONDS,
        )
        place = Workplace(settings, services.sandbox, box, project.s3_prefix, ahead.seen if read else None)
        drives = ProjectMounts(settings, services.sandbox, box)
        with together() as calls:  # none still writes in the box if the pull fails
            user_rules = calls.soon(place_user_rules, box, ahead.rules if read else None)  # docs/rules.md
            drives.read_ahead(ahead.mounts if read else None)
            place.pull(warm)
            drives.before()  # the project's drive folders as the drives have them now (docs/drives.md)
        rules = user_rules.result()
        relay = Relay(opening.publish, turn=pending.turn, cwd=box.files)
        started_with = fingerprint(provider, system_prompt(conversation), rules, box)
        turn = Turn(ctx, settings, conversation, pending, outcome, relay, warm, started_with, place.transcripts)
        try:
            talk(turn, on_sent=opening.started)
        finally:
            box.end_turn(keep=warm.keep())  # whatever the turn started, in the background or not, ends with it
            warm.end_turn()
            drives.after()
            pushed = place.push()
            record_claude_edit(box, pushed, conversation.user_id)
            services.sandbox.settle(box)
    _lease(ctx, key)
    return relay


def _lease(ctx: JobContext, key: SessionKey) -> None:
    """Tell the API where the session's next turn should go: here while its process is kept (shared.jobs.routing)."""
    try:
        if warm_pool(ctx.services).holds(key):
            routing.lease_session(key.session_id, ctx.runner_id, get_settings().warm_idle_seconds)
        else:
            routing.release_session(key.session_id, ctx.runner_id)
    except Exception:
        logger.exception("could not record where the session's process is; its next turn may start cold")


@job_handler("chat.prewarm")
def chat_prewarm(ctx: JobContext) -> dict[str, Any]:
    """Start a session's CLI process before its next message, in the box its turn will use (runner/claude/warm.py)."""
    payload = ctx.job.payload
    key = SessionKey(str(payload["session_id"]), str(payload["user_id"]), str(payload["project_id"]))
    pool, provider = warm_pool(ctx.services), active_provider()
    if pool.limit == 0 or provider is None or pool.holds(key):
        return {"skipped": "warm sessions are off" if pool.limit == 0 else "nothing to do"}
    conversation = records.conversation_or_new(key.session_id, user_id=key.user_id, project_id=key.project_id)
    if conversation is None:
        return {"skipped": "not this person's session in this project"}
    settings, project = get_settings(), projects.get(key.project_id)
    with pool.session(key, provider) as warm:
        place = Workplace(settings, ctx.services.sandbox, warm.box, project.s3_prefix)
        place.pull(warm)
        rules = place_user_rules(warm.box)
        started_with = fingerprint(provider, system_prompt(conversation), rules, warm.box)
        resume = conversation.claude_session_id
        if not warm.ready(started_with, resume):
            process = start_process(settings, warm, conversation, resume, place.transcripts)
            warm.replace_process(process, started_with, resume)
        ctx.services.sandbox.settle(warm.box)
    _lease(ctx, key)
    return {"warm": True}


def _record(
    conversation: Conversation,
    pending: Pending,
    status: ExchangeStatus,
    *,
    error: str | None = None,
    relay: Relay | None = None,
    started: float | None = None,
    stream: TurnStream | None = None,
) -> views.Turn:
    """Record how the turn ended; then tell an integration run that started it (every way a turn ends passes here).
    With the turn's `stream`, the session's side is written when it closes (shared.chat.records.finish)."""
    finished = _finished(conversation, status, error, relay, time.monotonic() if started is None else started)
    recorded = records.finish(conversation, pending, finished, stream)
    try:
        integrations.on_turn_finished(conversation.id, pending.turn)
    except Exception:
        logger.exception("could not hand the finished turn to integrations")
    return recorded


def _finished(
    conversation: Conversation, status: ExchangeStatus, error: str | None, relay: Relay | None, started: float
) -> records.Finished:
    """The turn's end from the CLI's result: tokens, this turn's own cost, the answer, where the conversation is."""
    result = (relay.result if relay else None) or {}
    usage = result.get("usage") or {}
    reported = float(result.get("total_cost_usd") or 0)
    previous = conversation.cli_cost_total
    # A resumed CLI session reports its running total; a fresh one (or a resume that fell back) starts at zero.
    turn_cost = reported - previous if relay and relay.resumed and reported >= previous else reported
    claude_session_id = relay.claude_session_id if relay else None
    return records.Finished(
        status=status,
        duration_ms=int(result.get("duration_ms") or (time.monotonic() - started) * 1000),
        error=error,
        response_text=relay.response_text if relay else "",
        model=relay.model if relay else None,
        tokens_in=int(usage.get("input_tokens") or 0),
        tokens_out=int(usage.get("output_tokens") or 0),
        cache_read_tokens=int(usage.get("cache_read_input_tokens") or 0),
        cache_write_tokens=int(usage.get("cache_creation_input_tokens") or 0),
        cost_usd=turn_cost,
        claude_session_id=claude_session_id,
        cli_cost_total=reported if claude_session_id and result else None,
        activity=relay.activity.entries(_answers(conversation.id, relay)) if relay else [],
    )


def _answers(session_id: str, relay: Relay) -> dict[str, Any]:
    """The person's answers to the turn's requests, as they stand at its end (read only when it asked)."""
    if not relay.activity.asked:
        return {}
    return records.poll(session_id, relay.turn).answers


def _announce_title(conversation: Conversation, recorded: views.Turn, stream: TurnStream) -> None:
    """A chat named from its first exchange tells whoever follows it (the web app's list and header follow)."""
    try:
        title = records.name_after_first_turn(conversation, recorded)
    except Exception:
        logger.exception("could not name the session from its first turn")
        return
    if title:
        stream.publish({"type": "session.updated", "title": title})


def _done_event(turn: views.Turn) -> dict[str, Any]:
    return {
        "type": "turn.done",
        "turn": turn.turn,
        "status": turn.status,
        "usage": turn.usage.model_dump(by_alias=True),
        "costUsd": turn.cost_usd,
        "durationMs": int(turn.duration_ms or 0),
        "model": turn.model,
    }
