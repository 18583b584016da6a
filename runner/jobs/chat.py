"""The chat turn: bring the workspace down, run the Claude CLI, relay its stream, sync back, record the turn.

Whatever happens, the turn ends in a terminal state (completed, failed or aborted) with an event that says
so: a crash of the CLI, a timeout, an abort or a storage error never leaves it "running".
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pynamodb.exceptions import UpdateError

from runner.claude.config import Paths, claude_is_configured, cli_environment, system_prompt
from runner.claude.process import ClaudeProcess
from runner.claude.relay import Relay
from runner.context import JobContext
from runner.registry import JobFailedError, job_handler
from runner.workspace import Workspace, project_files
from shared import integrations, jobs
from shared.chat.events import SessionStream
from shared.logs import logger
from shared.models import ExchangeStatus, Project, RawExchange, Session, SessionStatus, UsageEvent
from shared.models.base import utcnow
from shared.models.fields import time_sort_key
from shared.settings import get_settings

POLL_SECONDS = 0.25
ABORT_GRACE_SECONDS = 5.0
PERMISSION_WAIT_SECONDS = 5 * 60
RESPONSE_INLINE_LIMIT = 300_000  # bytes; DynamoDB items stop at 400 KB
QUESTION_TOOL = "AskUserQuestion"
NOT_CONFIGURED = (
    "Claude is not configured: set ANTHROPIC_API_KEY (or the Bedrock variables) in the runner's environment, "
    "or ask an administrator to add the AI provider in Settings."
)


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


def _run(
    ctx: JobContext, session: Session, exchange: RawExchange, stream: SessionStream, outcome: TurnOutcome
) -> Relay | None:
    settings = get_settings()
    if not claude_is_configured(settings):
        outcome.fail("claude_not_configured", NOT_CONFIGURED)
        return None
    project = Project.get(session.project_id)
    paths = Paths.of(settings, project.project_id)
    for folder in (paths.files, paths.transcripts(), paths.home):
        folder.mkdir(parents=True, exist_ok=True)
    files = project_files(
        bucket=settings.workspace_bucket,
        project_id=project.project_id,
        s3_prefix=project.s3_prefix,
        local_root=paths.files,
    )
    transcripts = Workspace(
        bucket=settings.workspace_bucket,
        prefix=f"sessions/{project.project_id}/",
        local_root=paths.transcripts(),
        state_dir=paths.sync_state / f"transcripts-{project.project_id}",  # keep the CLI's own folder clean
    )
    files.pull()
    transcripts.pull()
    relay = Relay(stream.publish, turn=int(exchange.turn), cwd=paths.files)
    try:
        resume = session.claude_session_id
        if resume:
            forget_prompt_snapshot(paths.transcripts() / f"{resume}.jsonl")
        relay.resumed = bool(resume)
        process = _start(settings, paths, session, resume)
        _converse(ctx, process, relay, exchange, outcome)
        if resume and relay.result is None and "No conversation found" in process.stderr:
            stream.publish(
                {
                    "type": "notice",
                    "turn": int(exchange.turn),
                    "message": "The earlier conversation could not be resumed here, so Claude starts afresh.",
                }
            )
            outcome.__init__()  # type: ignore[misc]  # the failed resume is not this turn's outcome
            relay.resumed = False
            process = _start(settings, paths, session, None)
            _converse(ctx, process, relay, exchange, outcome)
        if relay.result is None and outcome.error is None:
            detail = process.stderr.strip().splitlines()[-1:] or ["no output"]
            outcome.fail("claude_crashed", f"Claude stopped unexpectedly ({detail[0][:300]}).")
        elif relay.result is not None and relay.result.get("is_error") and outcome.error is None:
            _api_error(relay.result, outcome)
    finally:
        files.push()
        transcripts.push()
    return relay


def forget_prompt_snapshot(transcript: Path) -> None:
    """Let a resumed session take this turn's system prompt.

    The CLI records the first turn's system prompt in the transcript (a `prompt_snapshot` attachment) and
    replays it on `--resume`, ignoring a new `--append-system-prompt`: a persona, guide or permission mode
    chosen later would never reach Claude. Dropping the snapshot keeps the conversation and lets the new
    prompt apply.
    """
    if not transcript.is_file():
        return
    kept = []
    for line in transcript.read_text(encoding="utf-8").splitlines(keepends=True):
        try:
            record = json.loads(line)
        except ValueError:
            kept.append(line)
            continue
        attachment = record.get("attachment") if isinstance(record, dict) else None
        if (
            record.get("type") == "attachment"
            and isinstance(attachment, dict)
            and attachment.get("type") == ("prompt_snapshot")
        ):
            continue
        kept.append(line)
    transcript.write_text("".join(kept), encoding="utf-8")


def _start(settings: Any, paths: Paths, session: Session, resume: str | None) -> ClaudeProcess:
    return ClaudeProcess(
        claude_bin=settings.claude_bin,
        cwd=paths.files,
        env=cli_environment(settings, paths, session.permission_mode),
        permission_mode=session.permission_mode,
        system_prompt=system_prompt(session),
        resume=resume,
    ).start()


def _converse(
    ctx: JobContext, process: ClaudeProcess, relay: Relay, exchange: RawExchange, outcome: TurnOutcome
) -> None:
    """Send the message, relay the answer until its result, honour abort, deadline and permission answers."""
    process.send_user_message(exchange.request_text)
    pending: dict[str, tuple[dict[str, Any], float]] = {}
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
                _answer_permissions(process, exchange, pending)
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
                _ask_permission(relay, request, pending)
            if line.get("type") == "result":
                break
    finally:
        relay.text.flush()
        process.close_input()
        if process.wait(10) is None:
            process.kill()


def _ask_permission(relay: Relay, control: dict[str, Any], pending: dict[str, tuple[dict[str, Any], float]]) -> None:
    from runner.claude.relay import summarise_tool

    request = control["request"]
    tool_input = request.get("input") or {}
    pending[control["request_id"]] = (tool_input, time.monotonic())
    if request.get("tool_name") == QUESTION_TOOL:
        relay.emit(
            {
                "type": "question",
                "turn": relay.turn,
                "requestId": control["request_id"],
                "questions": _questions(tool_input),
            }
        )
        return
    relay.emit(
        {
            "type": "permission.request",
            "turn": relay.turn,
            "requestId": control["request_id"],
            "toolName": request.get("tool_name"),
            "summary": summarise_tool(str(request.get("tool_name")), tool_input, relay.cwd),
        }
    )


def _questions(tool_input: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions Claude asks (AskUserQuestion), trimmed to what the browser shows."""
    questions = []
    for item in (tool_input.get("questions") or [])[:10]:
        if not isinstance(item, dict):
            continue
        options = [
            {"label": str(o.get("label", ""))[:200], "description": str(o.get("description", ""))[:500]}
            for o in (item.get("options") or [])[:10]
            if isinstance(o, dict)
        ]
        questions.append(
            {
                "question": str(item.get("question", ""))[:1000],
                "header": str(item.get("header", ""))[:100],
                "options": options,
                "multiSelect": bool(item.get("multiSelect")),
            }
        )
    return questions


def _question_answers(tool_input: dict[str, Any], answer: Any) -> dict[str, str] | None:
    """The user's reply as AskUserQuestion's answers ({question: chosen label(s)}); None for "deny"."""
    questions = [q.get("question", "") for q in tool_input.get("questions") or [] if isinstance(q, dict)]
    if isinstance(answer, dict):
        return {str(k): str(v) for k, v in answer.items() if k in questions}
    if isinstance(answer, str) and answer != "deny" and questions:
        return {questions[0]: answer}
    return None


def _answer_permissions(
    process: ClaudeProcess, exchange: RawExchange, pending: dict[str, tuple[dict[str, Any], float]]
) -> None:
    answers = exchange.answers or {}
    for request_id, (tool_input, asked_at) in list(pending.items()):
        answer = answers.get(request_id)
        if answer is not None and "questions" in tool_input:
            replies = _question_answers(tool_input, answer)
            if replies:
                process.allow(request_id, {**tool_input, "answers": replies})
            else:
                process.deny(request_id, "The user preferred not to answer.")
        elif answer in ("allow", True) or (isinstance(answer, dict) and answer.get("behavior") == "allow"):
            process.allow(request_id, tool_input)
        elif answer is not None:
            process.deny(request_id, "The user declined this action.")
        elif time.monotonic() - asked_at > PERMISSION_WAIT_SECONDS:
            process.deny(request_id, "Nobody answered the permission request in time.")
        else:
            continue
        del pending[request_id]


def _api_error(result: dict[str, Any], outcome: TurnOutcome) -> None:
    status = result.get("api_error_status")
    if result.get("terminal_reason") == "aborted_streaming":
        outcome.fail("aborted", "Stopped.", ExchangeStatus.ABORTED)
    elif status == 401:
        outcome.fail("claude_auth_failed", "Claude rejected the API key: check the AI provider settings.")
    elif status:
        outcome.fail("claude_api_error", f"Claude's API answered {status}: {str(result.get('result'))[:300]}")
    elif result.get("subtype") == "error_max_turns":
        outcome.fail("max_turns", "Claude stopped after its maximum number of steps.")
    else:
        outcome.fail("claude_error", f"Claude could not finish: {str(result.get('result'))[:300]}")


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
    """Record the turn, its usage and the session's CLI id; the exchange leaves `running` in every case."""
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
    if result:
        UsageEvent(
            exchange.user_id,
            time_sort_key(),
            day=utcnow().strftime("%Y-%m-%d"),
            session_id=exchange.session_id,
            project_id=exchange.project_id,
            turn=int(exchange.turn),
            model=relay.model if relay else None,
            tokens_in=int(usage.get("input_tokens") or 0),
            tokens_out=int(usage.get("output_tokens") or 0),
            cache_read_tokens=int(usage.get("cache_read_input_tokens") or 0),
            cache_write_tokens=int(usage.get("cache_creation_input_tokens") or 0),
            cost_usd=round(turn_cost, 6),
            duration_ms=duration,
        ).save()
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
