"""The "onboarding.research" job: Claude researches the company, headless, with web tools for this job only.

    the research of this job still the one running? ── no ──▶ skip (replaced, or already ended)
    Claude configured? ── no ──▶ failed, saying why
    in the admin's sandbox box, with a model gateway token (usage kind "research"): pull the company project's files
    run the CLI headless (acceptEdits; WebSearch and WebFetch approved, anything else that asks is denied) until
        its result or the deadline, relaying its text and tool calls as research.progress events (coalesced)
    end the box's processes, push the files (they show in the files API)
    every .md under research/ that is new or changed: a research_documents row and a research.document event
    completed; or failed with a message (not configured, CLI error, timeout, no document written, anything else)

The runner stopping mid-research: the job is closed as failed on its next delivery, and `interrupted` fails the
research (shared.onboarding.research); the API also fails a research whose job ended without ending it.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.claude.access import ModelAccess, model_access
from runner.claude.config import NOT_CONFIGURED, cli_environment
from runner.claude.headless import ProjectFiles
from runner.claude.outcome import failure_of
from runner.claude.process import ClaudeProcess
from runner.claude.relay import Relay
from runner.context import JobContext
from runner.registry import job_handler
from runner.sandbox import JobBox
from runner.workspace import WorkspaceError
from runner.workspace.local import LocalFile, scan
from shared.jobs import Job
from shared.logs import logger
from shared.onboarding import research
from shared.onboarding.research import FOLDER, SYSTEM_PROMPT, ResearchStateError, ResearchTask
from shared.provider.service import active as active_provider
from shared.settings import Settings, get_settings
from shared.usage import UsageKind

WEB_TOOLS = frozenset({"WebSearch", "WebFetch"})
NOBODY_TO_APPROVE = (
    "Only file edits in the project, WebSearch and WebFetch are allowed during the company research; do without {tool}."
)
POLL_SECONDS = 0.25
EXIT_WAIT_SECONDS = 10.0
RESERVE_SECONDS = 60.0  # of the job's time, kept for pushing the files and recording the documents
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# Progress text is sent when this much has gathered at a line or sentence end, or when it has waited this long.
PROGRESS_CHARS = 600
PROGRESS_SECONDS = 2.0


def interrupted(job: Job) -> None:
    """The runner died during the research: it ends as failed, and the admin is told to start it again."""
    research.interrupted(job.job_id)


@job_handler("onboarding.research", on_interrupted=interrupted)
def research_company(ctx: JobContext) -> dict[str, Any]:
    task = research.open_task(ctx.job.job_id)
    if task is None:
        return {"skipped": "this research is no longer the one running"}
    try:
        return _research(ctx, task)
    except ResearchStateError:
        logger.info("the research was ended elsewhere while it ran", extra={"job_id": task.job_id})
        return {"skipped": "the research was ended elsewhere"}
    except Exception as exc:
        logger.exception("research failed", extra={"job_id": task.job_id})
        research.fail(task.job_id, f"The research failed on our side ({type(exc).__name__}). Start it again.")
        return {"status": "failed"}


@dataclass(frozen=True, slots=True)
class Answer:
    """How the CLI's run ended."""

    error: str | None  # None: it completed


def _research(ctx: JobContext, task: ResearchTask) -> dict[str, Any]:
    settings = get_settings()
    provider = active_provider()
    if provider is None:
        research.fail(task.job_id, NOT_CONFIGURED)
        return {"status": "failed"}
    sandbox = ctx.services.sandbox
    with (
        sandbox.job(project_id=task.project_id, user_id=task.user_id) as box,
        model_access(
            ctx.services,
            ctx.job,
            provider,
            user_id=task.user_id,
            project_id=task.project_id,
            kind=UsageKind.RESEARCH.value,
            remaining_seconds=ctx.remaining(),
        ) as access,
    ):
        files = ProjectFiles(settings, sandbox, box, task.s3_prefix)
        try:
            files.pull()
        except WorkspaceError as exc:
            research.fail(task.job_id, f"The project's files could not be brought to the runner: {exc}")
            return {"status": "failed"}
        before = markdown_files(files.root)
        try:
            answer = converse(settings, box, access, task, deadline=ctx.deadline - RESERVE_SECONDS, ctx=ctx)
        finally:
            box.end_turn()  # whatever the CLI started ends with the research
        written = [path for path, state in markdown_files(files.root).items() if before.get(path) != state]
        try:
            files.push()
        except WorkspaceError as exc:
            research.fail(task.job_id, f"The research's files could not be saved to the project: {exc}")
            return {"status": "failed"}
        recorded = [task.document(path, content) for path in sorted(written) if (content := _read(files.root, path))]
    if answer.error is not None:
        research.fail(task.job_id, answer.error)
    elif not recorded:
        research.fail(task.job_id, f"Claude finished without writing any Markdown document under {FOLDER}/.")
    else:
        task.complete(len(recorded))
        return {"status": "completed", "documents": len(recorded)}
    return {"status": "failed", "documents": len(recorded)}


def converse(
    settings: Settings, box: JobBox, access: ModelAccess, task: ResearchTask, *, deadline: float, ctx: JobContext
) -> Answer:
    """Run the research prompt once, headless, relaying progress; web tools approved, nothing else that asks."""
    if time.monotonic() >= deadline:
        return Answer("The research had no time left to run. Start it again.")
    process = ClaudeProcess(
        claude_bin=settings.claude_bin,
        box=box,
        env=cli_environment(settings, box, access),
        permission_mode="acceptEdits",
        system_prompt=SYSTEM_PROMPT,
    )
    process.command.append("--no-session-persistence")  # nothing resumes a research run
    narrator = Narrator(task)
    relay = Relay(narrator.relay, turn=0, cwd=box.files)
    timed_out = False
    process.start()
    try:
        process.send_user_message(task.prompt())
        timed_out = _follow(process, relay, narrator, deadline=deadline, cancelled=ctx.cancelled)
    finally:
        process.close_input()
        if timed_out or process.wait(EXIT_WAIT_SECONDS) is None:
            process.kill()
    narrator.flush()
    if narrator.stopped:
        return Answer("The research was ended while it ran.")
    if timed_out:
        return Answer(
            f"The research took longer than its {int(ctx.job.timeout_seconds) // 60} minutes and was stopped."
        )
    failure = failure_of(relay.result, process.stderr)
    if relay.result is None:
        logger.warning(
            "the CLI ended without a result",
            extra={"exit_status": process.wait(0), "stderr": process.stderr[-2000:]},
        )
    return Answer(failure.message if failure else None)


def _follow(
    process: ClaudeProcess, relay: Relay, narrator: Narrator, *, deadline: float, cancelled: threading.Event
) -> bool:
    """Relay the CLI's lines until its result; True when the deadline (or a cancel) came first."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or cancelled.is_set() or narrator.stopped:
            return True
        try:
            line = process.next_line(min(POLL_SECONDS, remaining))
        except EOFError:
            return False
        relay.text.flush()  # the narrator gathers text itself, a few sentences at a time
        narrator.tick()
        if line is None:
            continue
        control = relay.handle(line)
        if control is not None:
            _decide(process, control)
        if line.get("type") == "result":
            return False


def _decide(process: ClaudeProcess, control: dict[str, Any]) -> None:
    """Approve the web tools (for this job only); deny anything else that needs a person."""
    request = control.get("request") or {}
    tool = str(request.get("tool_name") or "this tool")
    request_id = str(control.get("request_id"))
    if tool in WEB_TOOLS:
        process.allow(request_id, dict(request.get("input") or {}))
    else:
        process.deny(request_id, NOBODY_TO_APPROVE.format(tool=tool))


class Narrator:
    """Turns the relay's events into research.progress events: text a few sentences at a time, each tool call."""

    def __init__(self, task: ResearchTask) -> None:
        self.task = task
        self.stopped = False  # the research was ended elsewhere: stop the CLI, keep what it wrote
        self._text: list[str] = []
        self._since = 0.0

    def _send(self, fields: dict[str, Any]) -> None:
        if self.stopped:
            return
        try:
            self.task.progress(fields)
        except ResearchStateError:
            self.stopped = True

    def relay(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "text.delta":
            if not self._text:
                self._since = time.monotonic()
            self._text.append(str(event.get("text") or ""))
            self.tick()
        elif kind == "tool.use":
            self.flush()
            self._send({"tool": str(event.get("name") or ""), "summary": str(event.get("summary") or "")})

    def tick(self) -> None:
        """Send the gathered text when there is enough of it at a boundary, or when it has waited long enough."""
        text = "".join(self._text)
        if not text.strip():
            return
        at_boundary = text.rstrip(" ").endswith(("\n", ".", "!", "?", ":"))
        if (len(text) >= PROGRESS_CHARS and at_boundary) or time.monotonic() - self._since >= PROGRESS_SECONDS:
            self.flush()

    def flush(self) -> None:
        text = "".join(self._text).strip()
        self._text = []
        if text:
            self._send({"text": text})


def markdown_files(root: Path) -> dict[str, LocalFile]:
    """Every regular .md file under research/ (links and the like skipped), by path in the project."""
    folder = root / FOLDER
    if folder.is_symlink() or not folder.is_dir():
        return {}
    found = scan(folder).files
    return {f"{FOLDER}/{relative}": state for relative, state in found.items() if relative.lower().endswith(".md")}


def _read(root: Path, path: str) -> str | None:
    """A document's text, read without following a link (the CLI's processes have ended, nothing moves now)."""
    try:
        descriptor = os.open(root / path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES or not data.strip():
        return None
    return data.decode("utf-8", errors="replace")
