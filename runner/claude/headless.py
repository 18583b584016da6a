"""Run one prompt headless in a project's workspace: the CLI, nobody to ask, a hard deadline, a plain result.

    with sandbox.job(project_id=..., user_id=...) as box, model_access(gateway, job, ...) as access:
        files = ProjectFiles(settings, sandbox, box, s3_prefix)
        files.pull()                                         # S3 → the runner's copy
        try:
            result = run_prompt(settings, box, access, "Summarise the notes", deadline=ctx.deadline)
        finally:
            box.end_turn()                                   # nothing the run started outlives it
            files.push()                                     # what the CLI changed → S3
    result.status, result.text, result.tokens_in, result.cost_usd, result.duration_ms, result.error

The CLI runs in its own process group with `--permission-mode acceptEdits` (files in the project may change)
and no session transcript. Anything that would need a person (a command to approve, a question) is denied
with a reason the model can act on. At the deadline, or when `cancelled` is set, the group is killed and the
result is `timeout`; a failure of the CLI or its API becomes `failed` with a readable error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from runner.claude.access import ModelAccess
from runner.claude.config import cli_environment
from runner.claude.outcome import failure_of
from runner.claude.process import ClaudeProcess
from runner.claude.relay import Relay
from runner.sandbox import JobBox, Sandbox
from runner.workspace import SyncReport, project_files
from shared.settings import Settings

POLL_SECONDS = 0.25
EXIT_WAIT_SECONDS = 10.0
QUESTION_TOOL = "AskUserQuestion"
UNATTENDED_PROMPT = (
    "You are working in a Sasha Studio project: the current directory holds the project's files. This is an "
    "unattended run (a scheduled prompt or a skill): nobody can answer questions or approve commands. You may "
    "create and edit files in the project. Do the task, then end with the result itself: your final answer is "
    "saved as the run's output file."
)
NOBODY_TO_ASK = (
    "Nobody can answer questions during an unattended run: choose the most reasonable option yourself, "
    "say which one you chose, and carry on."
)
NOBODY_TO_APPROVE = (
    "Nobody can approve {tool} during an unattended run; only file edits inside the project are allowed. "
    "Do the task without it, or explain what a person would need to run."
)

Status = Literal["completed", "failed", "timeout"]


@dataclass(frozen=True, slots=True)
class HeadlessResult:
    status: Status
    text: str  # every assistant text block of the run, in order
    error: str | None
    tokens_in: int
    tokens_out: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float
    duration_ms: int
    model: str | None
    denied: tuple[str, ...]  # the tools that were refused


class ProjectFiles:
    """A project's files in a job's box: pulled from S3 before a run, pushed back after it."""

    def __init__(self, settings: Settings, sandbox: Sandbox, box: JobBox, s3_prefix: str) -> None:
        self.root = box.files
        self._sync = project_files(
            bucket=settings.workspace_bucket,
            project_id=box.project_id,
            s3_prefix=s3_prefix,
            local_root=box.files,
            state_dir=sandbox.sync_state(f"files-{box.project_id}"),
            on_placed=box.share_project_file,
        )

    def pull(self) -> None:
        self._sync.pull()

    def push(self) -> SyncReport:
        return self._sync.push()


def run_prompt(
    settings: Settings,
    box: JobBox,
    access: ModelAccess,
    prompt: str,
    *,
    deadline: float,
    cancelled: threading.Event | None = None,
    permission_mode: str = "acceptEdits",
    system_prompt: str = UNATTENDED_PROMPT,
    extra_arguments: Sequence[str] = (),
) -> HeadlessResult:
    """Run `prompt` once in `box.files` until the CLI's result or the deadline (a time.monotonic() value)."""
    started = time.monotonic()
    if started >= deadline:  # nothing left of the time: do not start a process only to kill it
        return _result(Relay(lambda event: None, turn=0, cwd=box.files), None, started, timed_out=True, denied=())
    process = ClaudeProcess(
        claude_bin=settings.claude_bin,
        box=box,
        env=cli_environment(settings, box, access),
        permission_mode=permission_mode,
        system_prompt=system_prompt,
    )
    process.command.append("--no-session-persistence")  # nothing resumes a headless run: keep no transcript
    process.command.extend(extra_arguments)
    relay = Relay(lambda event: None, turn=0, cwd=box.files)
    denied: list[str] = []
    timed_out = False
    process.start()
    try:
        process.send_user_message(prompt)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (cancelled is not None and cancelled.is_set()):
                timed_out = True
                break
            try:
                line = process.next_line(min(POLL_SECONDS, remaining))
            except EOFError:
                break
            if line is None:
                continue
            request = relay.handle(line)
            if request is not None:
                denied.append(_deny(process, request))
            if line.get("type") == "result":
                break
    finally:
        process.close_input()
        if timed_out or process.wait(EXIT_WAIT_SECONDS) is None:
            process.kill()
    return _result(relay, process, started, timed_out=timed_out, denied=tuple(denied))


def _deny(process: ClaudeProcess, control: dict[str, Any]) -> str:
    tool = str((control.get("request") or {}).get("tool_name") or "this tool")
    reason = NOBODY_TO_ASK if tool == QUESTION_TOOL else NOBODY_TO_APPROVE.format(tool=tool)
    process.deny(str(control.get("request_id")), reason)
    return tool


def _result(
    relay: Relay, process: ClaudeProcess | None, started: float, *, timed_out: bool, denied: tuple[str, ...]
) -> HeadlessResult:
    result = relay.result or {}
    usage = result.get("usage") or {}
    status, error = _status(relay, process, timed_out)
    return HeadlessResult(
        status=status,
        text=relay.response_text,
        error=error,
        tokens_in=int(usage.get("input_tokens") or 0),
        tokens_out=int(usage.get("output_tokens") or 0),
        cache_read_tokens=int(usage.get("cache_read_input_tokens") or 0),
        cache_write_tokens=int(usage.get("cache_creation_input_tokens") or 0),
        cost_usd=float(result.get("total_cost_usd") or 0),
        duration_ms=int(result.get("duration_ms") or (time.monotonic() - started) * 1000),
        model=relay.model,
        denied=denied,
    )


def _status(relay: Relay, process: ClaudeProcess | None, timed_out: bool) -> tuple[Status, str | None]:
    if timed_out:
        return "timeout", "The run took longer than its timeout and was stopped."
    failure = failure_of(relay.result, process.stderr if process else "")
    return ("failed", failure.message) if failure else ("completed", None)
