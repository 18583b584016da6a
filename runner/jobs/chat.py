"""The chat turn: bring the workspace down, run the Claude CLI, relay its stream, sync back, record the turn.

    the session's user's sandbox box (runner/sandbox) and a model gateway token for the turn
    pull the project's files and the user's transcripts of the project
    run the CLI as the box's user (resuming the session), relay its stream, pass on permission answers
    end every process of the box's user, push the files and the transcripts, record the turn

Whatever happens, the turn ends in a terminal state (completed, failed or aborted) with an event that says
so: a crash of the CLI, a timeout, an abort or a storage error never leaves it "running".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError

from runner.claude import transcripts
from runner.claude.access import ModelAccess, model_access
from runner.claude.asks import Asks
from runner.claude.config import NOT_CONFIGURED, cli_environment, system_prompt
from runner.claude.outcome import failure_of
from runner.claude.process import ClaudeProcess
from runner.claude.relay import Relay
from runner.context import JobContext
from runner.errors import JobFailedError
from runner.registry import job_handler
from runner.sandbox import JobBox
from runner.workspace import Workspace, project_files
from shared import integrations, jobs
from shared.chat.events import SessionStream
from shared.logs import logger
from shared.models import ExchangeStatus, Project, RawExchange, Session, SessionStatus, UsageKind
from shared.models.base import utcnow
from shared.settings import Settings, get_settings

POLL_SECONDS = 0.25
ABORT_GRACE_SECONDS = 5.0
RESPONSE_INLINE_LIMIT = 300_000  # bytes; DynamoDB items stop at 400 KB


class TurnOutcome:
    def __init__(self) -> None:
        self.status = ExchangeStatus.COMPLETED
        self.error: str | None = None
        self.code = ""

    def fail(self, code: str, message: str, status: ExchangeStatus = ExchangeStatus.FAILED) -> None:
        if self.error is None:
            self.status, self.code, self.error = status, code, message


def interrupted(job: Any) -> None:
    """The runner died during the turn: the turn ends as failed, and the user is told."""
    session_id, turn = job.payload["session_id"], int(job.payload["turn"])
    session = Session.get(session_id, consistent_read=True)
    exchange = RawExchange.get(session_id, turn, consistent_read=True)
    if exchange.status not in (ExchangeStatus.QUEUED, ExchangeStatus.RUNNING):
        return
    message = "The turn was interrupted because the runner stopped. Send the message again."
    stream = SessionStream(session_id, session.user_id)
    _finish(exchange, session, stream, ExchangeStatus.FAILED, relay=None, started=time.monotonic(), error=message)
    stream.publish({"type": "error", "turn": turn, "code": "runner_stopped", "message": message})


@job_handler("chat.turn", on_interrupted=interrupted)
def chat_turn(ctx: JobContext) -> dict[str, Any]:
    session_id, turn = ctx.job.payload["session_id"], int(ctx.job.payload["turn"])
    session = Session.get(session_id, consistent_read=True)
    exchange = RawExchange.get(session_id, turn, consistent_read=True)
    stream = SessionStream(session_id, session.user_id)
    if exchange.status not in (ExchangeStatus.QUEUED, ExchangeStatus.RUNNING):
        return {"skipped": exchange.status}
    if exchange.abort_requested:
        _finish(exchange, session, stream, ExchangeStatus.ABORTED, relay=None, started=time.monotonic())
        stream.publish({"type": "turn.aborted", "turn": turn})
        return {"status": "aborted"}
    exchange.update(
        actions=[RawExchange.status.set(ExchangeStatus.RUNNING.value), RawExchange.started_at.set(utcnow())]
    )
    session.update(actions=[Session.status.set(SessionStatus.RUNNING.value)])
    stream.publish({"type": "turn.started", "turn": turn})
    started, outcome, relay = time.monotonic(), TurnOutcome(), None
    try:
        relay = _run(ctx, session, exchange, stream, outcome)
    except Exception as exc:
        logger.exception("chat turn failed")
        outcome.fail("turn_failed", f"The turn failed on our side: {type(exc).__name__}. Try again.")
    finally:
        _finish(exchange, session, stream, outcome.status, relay=relay, started=started, error=outcome.error)
        if outcome.status is ExchangeStatus.ABORTED:
            stream.publish({"type": "turn.aborted", "turn": turn})
        elif outcome.error:
            stream.publish({"type": "error", "turn": turn, "code": outcome.code, "message": outcome.error})
        else:
            stream.publish(_done_event(turn, exchange))
    jobs.enqueue("chat.quality", {"session_id": session_id, "turn": turn}, group_id=f"quality-{session_id}")
    if outcome.status is ExchangeStatus.FAILED and outcome.code == "timeout":
        raise JobFailedError(outcome.error or "timeout")
    return {"status": outcome.status.value}


@dataclass
class Turn:
    """A turn on its way: the records it ends in, and where its CLI runs."""

    ctx: JobContext
    settings: Settings
    session: Session
    exchange: RawExchange
    outcome: TurnOutcome
    relay: Relay
    box: JobBox
    access: ModelAccess
    transcripts: Workspace


def _run(
    ctx: JobContext, session: Session, exchange: RawExchange, stream: SessionStream, outcome: TurnOutcome
) -> Relay | None:
    settings = get_settings()
    if not settings.model_credential_configured:
        outcome.fail("claude_not_configured", NOT_CONFIGURED)
        return None
    project = Project.get(session.project_id)
    sandbox = ctx.services.sandbox
    with (
        sandbox.job(project_id=project.project_id, user_id=session.user_id) as box,
        model_access(
            ctx.services.gateway,
            ctx.job,
            user_id=session.user_id,
            project_id=project.project_id,
            kind=UsageKind.CHAT.value,
            remaining_seconds=ctx.remaining(),
            session_id=session.session_id,
            turn=int(exchange.turn),
        ) as access,
    ):
        files = project_files(
            bucket=settings.workspace_bucket,
            project_id=project.project_id,
            s3_prefix=project.s3_prefix,
            local_root=box.files,
            state_dir=sandbox.sync_state(f"files-{project.project_id}"),
            on_placed=box.share_project_file,
        )
        history = transcripts.user_transcripts(settings, sandbox, box)
        files.pull()
        history.pull()
        relay = Relay(stream.publish, turn=int(exchange.turn), cwd=box.files)
        try:
            _talk(Turn(ctx, settings, session, exchange, outcome, relay, box, access, history))
        finally:
            box.end_turn()  # whatever the turn started, in the background or not, ends with it
            files.push()
            history.push()
    return relay


def _talk(turn: Turn) -> None:
    """Run the turn in the session's CLI conversation, or afresh (saying so) when it cannot be resumed."""
    resume = turn.session.claude_session_id
    if resume:
        transcript = turn.box.transcripts / f"{resume}.jsonl"
        if not transcript.exists() and transcripts.adopt_legacy(
            turn.settings, project_id=turn.box.project_id, user_id=turn.box.user_id, claude_session_id=resume
        ):
            turn.transcripts.pull()
        transcripts.forget_prompt_snapshot(transcript)
    turn.relay.resumed = bool(resume)
    process = _converse(turn, resume)
    if resume and turn.relay.result is None and "No conversation found" in process.stderr:
        notice = "The earlier conversation could not be resumed here, so Claude starts afresh."
        turn.relay.emit({"type": "notice", "turn": int(turn.exchange.turn), "message": notice})
        turn.outcome.__init__()  # type: ignore[misc]  # the failed resume is not this turn's outcome
        turn.relay.resumed = False
        process = _converse(turn, None)
    if turn.outcome.error is None:
        failure = failure_of(turn.relay.result, process.stderr)
        if failure is not None:
            aborted = failure.code == "aborted"
            turn.outcome.fail(
                failure.code, failure.message, ExchangeStatus.ABORTED if aborted else ExchangeStatus.FAILED
            )


def _converse(turn: Turn, resume: str | None) -> ClaudeProcess:
    """Start the CLI, send the message, relay the answer until its result; honour abort, deadline and answers."""
    ctx, relay, exchange, outcome = turn.ctx, turn.relay, turn.exchange, turn.outcome
    process = ClaudeProcess(
        claude_bin=turn.settings.claude_bin,
        box=turn.box,
        env=cli_environment(turn.settings, turn.box, turn.access, turn.session.permission_mode),
        permission_mode=turn.session.permission_mode,
        system_prompt=system_prompt(turn.session),
        resume=resume,
    ).start()
    process.send_user_message(exchange.request_text)
    asks = Asks()
    interrupted_at: float | None = None
    next_poll = time.monotonic() + POLL_SECONDS
    try:
        while True:
            now = time.monotonic()
            if ctx.remaining() <= 0:
                outcome.fail("timeout", "The turn took too long and was stopped.")
                break
            if now >= next_poll:
                next_poll = now + POLL_SECONDS
                exchange.refresh(consistent_read=True)
                if exchange.abort_requested and interrupted_at is None:
                    process.interrupt()
                    interrupted_at = now
                    outcome.fail("aborted", "Stopped.", ExchangeStatus.ABORTED)
                asks.answer(process, exchange.answers or {})
            if interrupted_at is not None and now - interrupted_at > ABORT_GRACE_SECONDS:
                break
            try:
                line = process.next_line(min(relay.text.due_in(), POLL_SECONDS, max(ctx.remaining(), 0.0)))
            except EOFError:
                break
            if line is None:
                if relay.text.due_in() <= 0:
                    relay.text.flush()
                continue
            request = relay.handle(line)
            if request is not None:
                asks.ask(relay, request)
            if line.get("type") == "result":
                break
    finally:
        relay.text.flush()
        process.close_input()
        if process.wait(10) is None:
            process.kill()
    return process


def _finish(
    exchange: RawExchange,
    session: Session,
    stream: SessionStream,
    status: ExchangeStatus,
    *,
    relay: Relay | None,
    started: float,
    error: str | None = None,
) -> None:
    """Record the turn and the session's CLI id; the exchange leaves `running` in every case.

    (The usage of each model request the turn made is recorded by the model gateway as it happens.)
    """
    result = (relay.result if relay else None) or {}
    usage = result.get("usage") or {}
    reported = float(result.get("total_cost_usd") or 0)
    previous = float(session.cli_cost_total or 0)
    # A resumed CLI session reports its running total; a fresh one (or a resume that fell back) starts at zero.
    turn_cost = reported - previous if relay and relay.resumed and reported >= previous else reported
    text = relay.response_text if relay else ""
    duration = int(result.get("duration_ms") or (time.monotonic() - started) * 1000)
    actions: list[Any] = [
        RawExchange.status.set(status.value),
        RawExchange.finished_at.set(utcnow()),
        RawExchange.duration_ms.set(duration),
        RawExchange.tokens_in.set(int(usage.get("input_tokens") or 0)),
        RawExchange.tokens_out.set(int(usage.get("output_tokens") or 0)),
        RawExchange.cache_read_tokens.set(int(usage.get("cache_read_input_tokens") or 0)),
        RawExchange.cache_write_tokens.set(int(usage.get("cache_creation_input_tokens") or 0)),
        RawExchange.cost_usd.set(round(turn_cost, 6)),
        RawExchange.response_text.set(text.encode()[:RESPONSE_INLINE_LIMIT].decode(errors="ignore")),
    ]
    if relay and relay.model:
        actions.append(RawExchange.model.set(relay.model))
    if error:
        actions.append(RawExchange.error.set(error[:2000]))
    try:
        exchange.update(actions=actions)
    except UpdateError:
        logger.exception("could not record the turn")
    session_actions: list[Any] = [Session.status.set(SessionStatus.IDLE.value), Session.updated_at.set(utcnow())]
    if relay and relay.claude_session_id:
        session_actions.append(Session.claude_session_id.set(relay.claude_session_id))
        if result:
            session_actions.append(Session.cli_cost_total.set(reported))
    session.update(actions=session_actions)
    try:  # every way a turn ends passes here: tell an integration run that started it (its callback)
        integrations.on_turn_finished(exchange.session_id, int(exchange.turn))
    except Exception:
        logger.exception("could not hand the finished turn to integrations")


def _done_event(turn: int, exchange: RawExchange) -> dict[str, Any]:
    return {
        "type": "turn.done",
        "turn": turn,
        "status": exchange.status,
        "usage": {
            "inputTokens": int(exchange.tokens_in or 0),
            "outputTokens": int(exchange.tokens_out or 0),
            "cacheReadTokens": int(exchange.cache_read_tokens or 0),
            "cacheWriteTokens": int(exchange.cache_write_tokens or 0),
        },
        "costUsd": float(exchange.cost_usd or 0),
        "durationMs": int(exchange.duration_ms or 0),
        "model": exchange.model,
    }
