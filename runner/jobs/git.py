"""The "git" job: one operation on a project's repository (docs/git.md), and it always ends with an outcome.

    project still there? ── no ──▶ {"ok": false, "error": project_gone}
    pull the project's files and repository from S3 (runner/git/storage.py)
    run the operation with a locked-down git (runner/git/command.py); a remote's credential only as a header
    push the files and the repository when the operation may have changed them (also after a conflict)
    tell the user's connections (`git.done`) and return the outcome for the API that waits

A failure a person can act on (a refused push, a conflict, wrong credentials) is an outcome, not a failed job.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from runner.claude import headless
from runner.claude.access import model_access
from runner.claude.config import NOT_CONFIGURED
from runner.context import JobContext
from runner.git import Author, Git, ProjectRepository, Repository
from runner.registry import job_handler
from shared import net
from shared.errors import NotFoundError
from shared.git import remotes
from shared.git.errors import GitError
from shared.git.events import JobEvents
from shared.git.ops import OPS, Op, wire
from shared.logs import logger
from shared.projects import service as projects
from shared.provider.service import active as active_provider
from shared.settings import get_settings
from shared.usage import UsageKind

SAVE_MARGIN_SECONDS = 30.0  # of the job's time, kept for pushing the files and the repository after git
PROGRESS_EVERY_SECONDS = 0.5
DIFF_FOR_MESSAGE = 60 * 1024
MESSAGE_SYSTEM_PROMPT = (
    "You write Git commit messages. The user message holds a summary and the diff of staged changes. Answer with "
    "the commit message only: a subject line in the imperative mood of at most 72 characters, then, when the "
    "change needs it, a blank line and a short body wrapped at 72 characters. No preamble, no code fences."
)


@job_handler("git")
def run_git(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.job.payload
    op = OPS[payload["op"]]
    project_id = str(payload["project_id"])
    started = time.monotonic()
    try:
        outcome: dict[str, Any] = {"ok": True, "result": _perform(ctx, op, payload)}
    except GitError as exc:
        outcome = {"ok": False, "error": exc.as_dict()}
    logger.info(
        "git job finished",
        extra={"op": op.name, "project_id": project_id, "ok": outcome["ok"],
               "code": (outcome.get("error") or {}).get("code"), "ms": int((time.monotonic() - started) * 1000)},
    )  # fmt: skip
    _events(ctx, payload).done({"ok": True, "result": wire(op.name, outcome["result"])} if outcome["ok"] else outcome)
    return outcome


def _events(ctx: JobContext, payload: dict[str, Any]) -> JobEvents:
    return JobEvents(str(payload["user_id"]), ctx.job.job_id, str(payload["project_id"]), str(payload["op"]))


def _perform(ctx: JobContext, op: Op, payload: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    project_id, args = str(payload["project_id"]), payload.get("args") or {}
    try:
        project = projects.get(project_id)
    except NotFoundError:
        raise GitError("project_gone", "The project no longer exists.") from None
    if op.name == "commit_message":
        return _commit_message(ctx, project_id, str(payload["user_id"]), project.s3_prefix)
    store = ProjectRepository(settings, ctx.services.sandbox, project_id, project.s3_prefix)
    with store.open(write=op.write, files=op.files) as (work_tree, git_dir):
        git = Git(
            git_dir,
            work_tree,
            home=store.home,
            deadline=ctx.deadline - SAVE_MARGIN_SECONDS,
            allow_http=settings.is_local,
            author=Author(**payload["author"]),
        )
        repository = Repository(git)
        repository.repair()
        try:
            return _dispatch(repository, _events(ctx, payload), args)
        finally:
            if op.write:
                repository.housekeeping()


_LOCAL: dict[str, Callable[[Repository, dict[str, Any]], dict[str, Any]]] = {
    "status": lambda repo, args: repo.status(),
    "diff": lambda repo, args: repo.diff(str(args["path"]), bool(args.get("staged"))),
    "log": lambda repo, args: repo.log(int(args.get("limit", 50)), int(args.get("skip", 0))),
    "branches": lambda repo, args: repo.branches(),
    "init": lambda repo, args: repo.init(str(args.get("branch") or "main")),
    "stage": lambda repo, args: repo.stage(list(args.get("paths") or []), bool(args.get("all"))),
    "unstage": lambda repo, args: repo.unstage(list(args.get("paths") or []), bool(args.get("all"))),
    "commit": lambda repo, args: repo.commit(str(args["message"])),
    "merge_abort": lambda repo, args: repo.merge_abort(),
    "create_branch": lambda repo, args: repo.create_branch(str(args["name"]), bool(args.get("checkout", True))),
    "checkout": lambda repo, args: repo.checkout(str(args["branch"])),
}
_NETWORK = {"push": Repository.push, "pull": Repository.pull, "fetch": Repository.fetch}


def _dispatch(repository: Repository, job: JobEvents, args: dict[str, Any]) -> dict[str, Any]:
    local = _LOCAL.get(job.op)
    if local is not None:
        return local(repository, args)
    remote = str(args.get("remote") or "origin")
    repository.require()
    config = _remote_config(repository, job.project_id, remote)
    return _NETWORK[job.op](repository, remote, config, _Progress(job))


def _remote_config(repository: Repository, project_id: str, name: str) -> dict[str, str]:
    """The remote in the repository's configuration (URL only) and, for this run, its pinned address and header."""
    access = remotes.access(project_id, name)
    if access is None:
        raise GitError("no_remote", f"This project has no remote named '{name}': add it in the Git panel first.")
    parts = urlsplit(access.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = net.resolve_public(host, port, allow_private=get_settings().is_local)
    except net.UnresolvableHostError:
        raise GitError(
            "remote_unreachable", f"{name} could not be reached: the host {host} does not resolve."
        ) from None
    except net.PrivateAddressError:
        raise GitError(
            "invalid_url", f"{name}'s host resolves to a private address, which the server will not call."
        ) from None
    repository.set_remote(name, access.url)
    pinned = ",".join(f"[{address}]" if ":" in address else address for address in addresses)
    config = {"http.curloptResolve": f"{host}:{port}:{pinned}"}
    if access.secret:
        user = access.username or "x-access-token"  # a token alone: hosts accept any user name with it
        basic = base64.b64encode(f"{user}:{access.secret}".encode()).decode()
        config[f"http.{access.url}.extraHeader"] = f"Authorization: Basic {basic}"
    return config


class _Progress:
    """git's progress lines as `git.progress` events, a few per second at most."""

    def __init__(self, job: JobEvents) -> None:
        self.job = job
        self._last = (0.0, "")
        self._lock = threading.Lock()

    def __call__(self, phase: str, percent: int | None) -> None:
        now = time.monotonic()
        with self._lock:
            last_at, last_phase = self._last
            if phase == last_phase and now - last_at < PROGRESS_EVERY_SECONDS and percent != 100:
                return
            self._last = (now, phase)
        self.job.progress(phase, percent)


def _commit_message(ctx: JobContext, project_id: str, user_id: str, s3_prefix: str) -> dict[str, Any]:
    """Claude reads the staged diff (no tools, headless) and writes the message; the gateway records the usage."""
    settings = get_settings()
    store = ProjectRepository(settings, ctx.services.sandbox, project_id, s3_prefix)
    with store.open(write=False) as (work_tree, git_dir):
        git = Git(git_dir, work_tree, home=store.home, deadline=ctx.deadline, allow_http=settings.is_local)
        stat, diff, truncated = Repository(git).staged_diff(DIFF_FOR_MESSAGE)
    provider = active_provider()
    if provider is None:
        raise GitError("claude_unavailable", NOT_CONFIGURED)
    prompt = f"Summary:\n{stat}\nDiff{' (cut)' if truncated else ''}:\n{diff}"
    sandbox = ctx.services.sandbox
    with (
        sandbox.job(project_id=project_id, user_id=user_id) as box,
        model_access(ctx.services, ctx.job, provider, user_id=user_id, project_id=project_id,
                     kind=UsageKind.COMMIT_MESSAGE.value, remaining_seconds=ctx.remaining()) as access,
    ):  # fmt: skip
        result = headless.run_prompt(
            settings, box, access, prompt, deadline=ctx.deadline - 2, cancelled=ctx.cancelled,
            permission_mode="default", system_prompt=MESSAGE_SYSTEM_PROMPT, extra_arguments=("--tools", ""),
        )  # fmt: skip
        refusal = access.refusal()
    message = _cleaned(result.text)
    if result.status != "completed" or not message:
        reason = (refusal.for_chat() if refusal else None) or result.error or "Claude gave no message."
        raise GitError("claude_unavailable", f"Claude could not write a message: {reason}")
    return {"message": message}


def _cleaned(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().strip("`").strip().splitlines()]
    if lines and lines[0].lower() in ("text", "markdown", "git"):
        lines = lines[1:]  # a code fence's language
    return "\n".join(lines).strip()
