"""The meeting jobs: Claude's advice on the transcript so far, and the analysis of a finished meeting.

    meeting.advise {meetingId, adviceId, question?}
        the meeting and its transcript so far ── gone ──▶ skip
        Claude configured? ── no ──▶ advice failed (the chat's NOT_CONFIGURED)
        in the user's box, no tools (usage kind meeting_analysis): the CLI answers in plain text, relayed as
            meeting.advice events a few sentences at a time
        advice finished with its whole text; or failed with a reason (CLI or provider error, timeout)

    meeting.analyze {meetingId}
        the meeting, analyzing ── not analyzing ──▶ skip (ended elsewhere)
        Claude configured? ── no ──▶ analysis failed (NOT_CONFIGURED)
        in the user's box: pull the project's files (when the meeting has a project); the CLI answers one JSON
            object, no tools ── not the analysis ──▶ failed, saying what was wrong
        the notes → meetings/<date> <title>.md, written by the runner and pushed (when it has a project)
        analysis finished: complete, with the analysis and the document's path

The box is the meeting's project's; a meeting without a project runs in a gate of its user's own, with no files.
The runner stopping mid-job: `advice_interrupted` / `analysis_interrupted` fail the advice or the analysis, so no
meeting stays `analyzing`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
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
from shared.files.paths import safe_relative_path
from shared.jobs import Job
from shared.logs import logger
from shared.meetings import analysis as prompts
from shared.meetings import jobs as meetings
from shared.meetings.analysis import Analysis, AnalysisFormatError
from shared.meetings.jobs import MeetingTask
from shared.provider.service import ActiveProvider
from shared.provider.service import active as active_provider
from shared.settings import Settings, get_settings
from shared.usage import UsageKind

POLL_SECONDS = 0.25
EXIT_WAIT_SECONDS = 10.0
RESERVE_SECONDS = 30.0  # of the job's time, kept for writing the notes and pushing them
# Advice text is sent when this much has gathered at a line or sentence end, or when it has waited this long.
ADVICE_CHARS = 300
ADVICE_SECONDS = 1.0
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def advice_interrupted(job: Job) -> None:
    """The runner died while Claude was advising: the advice fails, saying so."""
    meetings.advice_interrupted(str(job.payload.get("meetingId")), str(job.payload.get("adviceId")))


def analysis_interrupted(job: Job) -> None:
    """The runner died during the analysis: it ends as error, never stuck `analyzing`."""
    meetings.analysis_interrupted(str(job.payload.get("meetingId")), job_id=job.job_id)


class MeetingJobError(Exception):
    """The advice or the analysis ends as failed; the message says why, for a person."""


@job_handler("meeting.advise", on_interrupted=advice_interrupted)
def advise(ctx: JobContext) -> dict[str, Any]:
    meeting_id, advice_id = str(ctx.job.payload["meetingId"]), str(ctx.job.payload["adviceId"])
    meeting = meetings.for_job(meeting_id)
    if meeting is None:
        return {"skipped": "the meeting no longer exists"}
    question = ctx.job.payload.get("question")
    try:
        text = _advice(ctx, meeting, advice_id, str(question) if question else None)
    except MeetingJobError as exc:
        meetings.advice_failed(meeting_id, advice_id, str(exc))
        return {"status": "failed"}
    except Exception as exc:
        logger.exception("meeting advice failed", extra={"meeting_id": meeting_id})
        meetings.advice_failed(meeting_id, advice_id, f"The advice failed on our side ({type(exc).__name__}).")
        return {"status": "failed"}
    meetings.advice_finished(meeting_id, advice_id, text)
    return {"status": "completed"}


@job_handler("meeting.analyze", on_interrupted=analysis_interrupted)
def analyze(ctx: JobContext) -> dict[str, Any]:
    meeting_id, job_id = str(ctx.job.payload["meetingId"]), ctx.job.job_id
    meeting = meetings.for_job(meeting_id)
    if meeting is None or not meeting.analyzing:
        return {"skipped": "the meeting is not being analyzed"}
    try:
        result, path = _analysis(ctx, meeting)
    except MeetingJobError as exc:
        meetings.analysis_failed(meeting_id, str(exc), job_id=job_id)
        return {"status": "failed"}
    except Exception as exc:
        logger.exception("meeting analysis failed", extra={"meeting_id": meeting_id})
        reason = f"The analysis failed on our side ({type(exc).__name__}). Analyze again."
        meetings.analysis_failed(meeting_id, reason, job_id=job_id)
        return {"status": "failed"}
    if not meetings.analysis_finished(meeting_id, result.to_json(), path, job_id=job_id):
        return {"skipped": "the analysis was ended elsewhere", "document": path}
    return {"status": "completed", "document": path}


def _advice(ctx: JobContext, meeting: MeetingTask, advice_id: str, question: str | None) -> str:
    """Claude's advice, relayed as it comes; its whole text."""
    provider = _provider()
    prompt = prompts.advice_prompt(meeting.title, meeting.transcript, question)
    narrator = Narrator(lambda text: meetings.advice_delta(meeting.meeting_id, advice_id, text))
    with _box(ctx, meeting) as box, _access(ctx, meeting, provider) as access:
        text = ask(
            get_settings(), box, access, prompt, system_prompt=prompts.ADVICE_SYSTEM_PROMPT,
            deadline=ctx.deadline - 2, cancelled=ctx.cancelled, narrator=narrator,
        )  # fmt: skip
    narrator.flush()
    if not text.strip():
        raise MeetingJobError("Claude gave no advice. Ask again.")
    return text.strip()


def _analysis(ctx: JobContext, meeting: MeetingTask) -> tuple[Analysis, str | None]:
    """Claude's analysis, and where its notes went in the project (None: the meeting has no project to write to)."""
    provider = _provider()
    settings = get_settings()
    prompt = prompts.analysis_prompt(meeting.title, meeting.transcript)
    with _box(ctx, meeting) as box, _access(ctx, meeting, provider) as access:
        files = ProjectFiles(settings, ctx.services.sandbox, box, meeting.s3_prefix) if meeting.s3_prefix else None
        try:
            if files is not None:
                files.pull()  # before anything is written: a push mirrors the whole folder
        except WorkspaceError as exc:
            raise MeetingJobError(f"The project's files could not be brought to the runner: {exc}") from exc
        try:
            answer = ask(
                settings, box, access, prompt, system_prompt=prompts.ANALYSIS_SYSTEM_PROMPT,
                deadline=ctx.deadline - RESERVE_SECONDS, cancelled=ctx.cancelled,
            )  # fmt: skip
            result = prompts.parse_analysis(answer)
            if files is None:
                return result, None
            path = _unique(box.files, prompts.document_path(meeting.title, meeting.started_at))
            write_document(
                box, path, prompts.render_document(meeting.title, meeting.started_at, result, meeting.transcript)
            )
            files.push()
        except AnalysisFormatError as exc:
            raise MeetingJobError(f"{exc} Analyze again.") from exc
        except WorkspaceError as exc:
            raise MeetingJobError(f"The meeting notes could not be saved to the project: {exc}") from exc
    return result, path


def _provider() -> ActiveProvider:
    provider = active_provider()
    if provider is None:
        raise MeetingJobError(NOT_CONFIGURED)
    return provider


@contextlib.contextmanager
def _box(ctx: JobContext, meeting: MeetingTask) -> Iterator[JobBox]:
    """The meeting's project's box; without a project, a gate of the user's own that holds no files."""
    gate = meeting.project_id or f"meetings-{meeting.user_id}"
    with ctx.services.sandbox.job(project_id=gate, user_id=meeting.user_id) as box:
        try:
            yield box
        finally:
            box.end_turn()  # whatever the CLI started ends with the job


def _access(
    ctx: JobContext, meeting: MeetingTask, provider: ActiveProvider
) -> contextlib.AbstractContextManager[ModelAccess]:
    return model_access(
        ctx.services, ctx.job, provider, user_id=meeting.user_id, project_id=meeting.project_id,
        kind=UsageKind.MEETING_ANALYSIS.value, remaining_seconds=ctx.remaining(),
    )  # fmt: skip


# --- one question to the CLI, no tools ------------------------------------------------------------------------------


def ask(
    settings: Settings,
    box: JobBox,
    access: ModelAccess,
    prompt: str,
    *,
    system_prompt: str,
    deadline: float,
    cancelled: threading.Event,
    narrator: Narrator | None = None,
) -> str:
    """Ask once, headless, no tools: the answer streamed to `narrator` and returned whole (else MeetingJobError)."""
    if time.monotonic() >= deadline:
        raise MeetingJobError("There was no time left to ask Claude. Try again.")
    process = ClaudeProcess(
        claude_bin=settings.claude_bin,
        box=box,
        env=cli_environment(settings, box, access),
        permission_mode="default",
        system_prompt=system_prompt,
    )
    process.command += ["--no-session-persistence", "--tools", ""]  # nothing to resume, nothing to run

    def relayed(event: dict[str, Any]) -> None:
        if narrator is not None and event.get("type") == "text.delta":
            narrator.add(str(event.get("text") or ""))

    relay = Relay(relayed, turn=0, cwd=box.files)
    timed_out = False
    process.start()
    try:
        process.send_user_message(prompt)
        timed_out = _follow(process, relay, narrator, deadline=deadline, cancelled=cancelled)
    finally:
        process.close_input()
        if timed_out or process.wait(EXIT_WAIT_SECONDS) is None:
            process.kill()
    relay.text.flush()
    if timed_out:
        raise MeetingJobError("Claude took longer than the time allowed and was stopped. Try again.")
    failure = failure_of(relay.result, process.stderr)
    if failure is not None:
        refusal = access.refusal()  # the provider's own refusal (a wrong key, throttling) says more
        raise MeetingJobError((refusal.for_chat() if refusal else None) or failure.message)
    return relay.response_text


def _follow(
    process: ClaudeProcess, relay: Relay, narrator: Narrator | None, *, deadline: float, cancelled: threading.Event
) -> bool:
    """Relay the CLI's lines until its result; True when the deadline (or a cancel) came first."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or cancelled.is_set():
            return True
        try:
            line = process.next_line(min(POLL_SECONDS, remaining))
        except EOFError:
            return False
        relay.text.flush()  # the narrator gathers text itself, a few sentences at a time
        if narrator is not None:
            narrator.tick()
        if line is None:
            continue
        control = relay.handle(line)
        if control is not None:  # no tool exists to ask for; refuse whatever asks anyway
            process.deny(str(control.get("request_id")), "No tools are available here: answer in text.")
        if line.get("type") == "result":
            return False


class Narrator:
    """Gathers streamed text and hands it on a few sentences at a time (each hand-over is a write and a post)."""

    def __init__(self, send: Callable[[str], object]) -> None:
        self._send = send
        self._text: list[str] = []
        self._since = 0.0

    def add(self, text: str) -> None:
        if not text:
            return
        if not self._text:
            self._since = time.monotonic()
        self._text.append(text)
        self.tick()

    def tick(self) -> None:
        """Hand the text on when there is enough of it at a sentence's end, or when it has waited long enough."""
        gathered = "".join(self._text)
        if not gathered:
            return
        at_boundary = gathered.rstrip(" ").endswith(("\n", ".", "!", "?", ":"))
        if (len(gathered) >= ADVICE_CHARS and at_boundary) or time.monotonic() - self._since >= ADVICE_SECONDS:
            self.flush()

    def flush(self) -> None:
        text = "".join(self._text)
        self._text = []
        if text:
            self._send(text)


# --- the notes document ---------------------------------------------------------------------------------------------


def _unique(root: Path, path: str) -> str:
    """`path`, or `path` with " (2)", " (3)", … before .md when a file of that name is in the project already."""
    stem = path.removesuffix(".md")
    candidate, number = path, 1
    while os.path.lexists(root / candidate):
        number += 1
        candidate = f"{stem} ({number}).md"
    return safe_relative_path(candidate)


def write_document(box: JobBox, path: str, content: str) -> None:
    """Write `content` at `path` in the project's files by descriptor: a link planted on the way is never followed."""
    folder, _, name = safe_relative_path(path).rpartition("/")
    fd = os.open(box.files, _DIRECTORY)
    try:
        for part in folder.split("/") if folder else []:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o2770, dir_fd=fd)
            inner = os.open(part, _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        temporary = f".{name}.{secrets.token_hex(6)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        out = os.open(temporary, flags, 0o660, dir_fd=fd)
        try:
            with os.fdopen(out, "wb") as handle:
                if box.project_gid is not None:  # the project's jobs read and edit it, like any file of theirs
                    os.fchown(handle.fileno(), -1, box.project_gid)
                    os.fchmod(handle.fileno(), 0o660)
                handle.write(content.encode("utf-8"))
            os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=fd)
            raise
    finally:
        os.close(fd)
