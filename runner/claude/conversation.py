"""One turn of an interactive chat with the CLI: resume the session's conversation, relay the answer, honour the user.

    take the session's warm CLI process, or start one (resuming the session's conversation); send the message
    until its result: relay each line as events; every 250 ms read the turn's record for an abort and answers
    (a request the session's "Allow for this session" rules cover is allowed without asking: runner/claude/allow.py)
    stop at the job's deadline, or 5 s after an interrupt the CLI does not act on
    a conversation that cannot be resumed here starts afresh, and the user is told
    the process stays for the session's next turn when it answered (runner/claude/warm.py), else it is closed

How the turn went is kept in its `TurnOutcome`; runner/jobs/chat.py records it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from runner.claude import transcripts
from runner.claude.access import ModelAccess
from runner.claude.asks import Asks
from runner.claude.config import cli_environment, system_prompt
from runner.claude.outcome import failure_of
from runner.claude.process import ClaudeProcess
from runner.claude.relay import Relay
from runner.claude.warm import WarmBox
from runner.context import JobContext
from runner.sandbox import JobBox
from runner.workspace import Workspace
from shared.chat import records
from shared.chat.records import Conversation, ExchangeStatus, Pending, PermissionMode
from shared.settings import Settings

POLL_SECONDS = 0.25  # the turn record is read this often while Claude waits for the person's answer
QUIET_POLL_SECONDS = 1.0  # and this often otherwise: a stop is the only thing to look for then
ABORT_GRACE_SECONDS = 5.0


class TurnOutcome:
    """How the turn is going: completed until something fails it (the first failure is the one that counts)."""

    def __init__(self) -> None:
        self.status = ExchangeStatus.COMPLETED
        self.error: str | None = None
        self.code = ""

    def fail(self, code: str, message: str, status: ExchangeStatus = ExchangeStatus.FAILED) -> None:
        if self.error is None:
            self.status, self.code, self.error = status, code, message


@dataclass
class Turn:
    """A turn on its way: its records, where its CLI runs, and how it is going."""

    ctx: JobContext
    settings: Settings
    conversation: Conversation
    pending: Pending
    outcome: TurnOutcome
    relay: Relay
    warm: WarmBox  # the session's box, token and (kept between turns) CLI process
    fingerprint: str  # what the process must have been started with to take this turn (runner/claude/warm.py)
    transcripts: Workspace  # the user's transcripts of the project, in the box

    @property
    def box(self) -> JobBox:
        return self.warm.box

    @property
    def access(self) -> ModelAccess:
        return self.warm.access


def talk(turn: Turn, *, on_sent: Callable[[], object] = lambda: None) -> None:
    """Run the turn in the session's CLI conversation: in its warm process when that can take it as it is, else in
    a new process resuming the conversation, or afresh (saying so) when it cannot be resumed. `on_sent` is called
    as the CLI is given the message, or is about to be started for it (runner/jobs/chat.py opens the turn's
    stream then)."""
    warm, resume = turn.warm, turn.conversation.claude_session_id
    turn.relay.resumed = bool(resume)
    process = warm.process if warm.ready(turn.fingerprint, resume) else None
    fresh = process is None
    if process is None:
        # The CLI's start takes long: whoever follows the session hears the turn began meanwhile, and the gateway's
        # checks are made by the time it asks for the model.
        on_sent()
        warm.ask_ahead()
        process = start_process(turn.settings, warm, turn.conversation, resume, turn.transcripts)
        warm.replace_process(process, turn.fingerprint, resume)
    reusable = _converse(turn, process, on_sent)
    if fresh and resume and turn.relay.result is None and "No conversation found" in process.stderr:
        notice = "The earlier conversation could not be resumed here, so Claude starts afresh."
        turn.relay.emit({"type": "notice", "turn": turn.pending.turn, "message": notice})
        turn.outcome.__init__()  # type: ignore[misc]  # the failed resume is not this turn's outcome
        turn.relay.resumed = False
        process = start_process(turn.settings, warm, turn.conversation, None, turn.transcripts)
        warm.replace_process(process, turn.fingerprint, None)
        reusable = _converse(turn, process)
    if reusable:
        warm.served_turn(turn.relay.claude_session_id)
    else:
        warm.stop_process()
    if turn.outcome.error is None:
        failure = failure_of(turn.relay.result, process.stderr)
        if failure is not None:
            aborted = failure.code == "aborted"
            refusal = None if aborted else turn.access.refusal()
            said = refusal.for_chat() if refusal is not None else None
            if said is not None:  # the provider refused: the same code, in words naming it and what to do
                turn.outcome.fail(failure.code, said)
            else:
                turn.outcome.fail(
                    failure.code, failure.message, ExchangeStatus.ABORTED if aborted else ExchangeStatus.FAILED
                )


def start_process(
    settings: Settings, warm: WarmBox, conversation: Conversation, resume: str | None, history: Workspace
) -> ClaudeProcess:
    """A CLI process for the session in its box, resuming `resume` (its transcript made ready for that)."""
    box = warm.box
    if resume:
        transcript = box.transcripts / f"{resume}.jsonl"
        if not transcript.exists() and transcripts.adopt_legacy(
            settings, project_id=box.project_id, user_id=box.user_id, claude_session_id=resume
        ):
            history.pull()
        transcripts.forget_prompt_snapshot(transcript)
    mode = conversation.permission_mode
    return ClaudeProcess(
        claude_bin=settings.claude_bin,
        box=box,
        env=cli_environment(settings, box, warm.access, mode),
        permission_mode=mode,
        system_prompt=system_prompt(conversation),
        resume=resume,
    ).start()


def _converse(turn: Turn, process: ClaudeProcess, on_sent: Callable[[], object] = lambda: None) -> bool:
    """Send the message, relay the answer until its result; honour abort, deadline and answers.

    Returns whether the process can take the session's next message (it answered with a result and lives).
    """
    ctx, relay, outcome = turn.ctx, turn.relay, turn.outcome
    process.send_user_message(turn.pending.request)
    on_sent()
    turn.warm.ask_ahead()  # the user's quota and budgets at the model gateway, while the CLI makes its request
    conversation = turn.conversation
    asks = Asks(
        conversation.allowed_tools,
        offer_session=conversation.permission_mode != PermissionMode.PLAN.value,  # plan mode asks every time
        remember=lambda rule: records.allow_for_session(conversation.id, rule),
    )
    relay.denied_tools = asks.denied
    interrupted_at: float | None = None
    answered = False
    next_poll = time.monotonic() + POLL_SECONDS
    try:
        while True:
            now = time.monotonic()
            if ctx.remaining() <= 0:
                outcome.fail("timeout", "The turn took too long and was stopped.")
                break
            if now >= next_poll:
                next_poll = now + (POLL_SECONDS if asks.pending else QUIET_POLL_SECONDS)
                pending = records.poll(turn.conversation.id, turn.pending.turn)
                if pending.abort_requested and interrupted_at is None:
                    process.interrupt()
                    interrupted_at = now
                    outcome.fail("aborted", "Stopped.", ExchangeStatus.ABORTED)
                asks.answer(process, pending.answers)
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
                asks.ask(relay, request, process)
                next_poll = min(next_poll, time.monotonic() + POLL_SECONDS)  # look for its answer soon
            if line.get("type") == "result":
                answered = True
                break
    finally:
        relay.text.flush()
    return answered and process.alive
