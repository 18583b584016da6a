"""The Git routes' side: check access, queue the project's Git job, wait for it within API Gateway's 29 s.

Git jobs of a project share one FIFO message group, so they run one at a time and in order on any runner
(the project's lock). Reads wait up to 25 s; writes up to 20 s, then answer "running" with the job's id, and
the job's end reaches the user as a `git.done` event (shared.git.events).
"""

from __future__ import annotations

from typing import Any

from shared.accounts.domain import Principal
from shared.errors import NotFoundError, ServiceUnavailableError, ValidationError
from shared.files.paths import safe_relative_path
from shared.git import remotes
from shared.git.errors import GitError
from shared.git.ops import JOB_TYPE, OPS
from shared.git.schemas import Paths
from shared.git.views import JobState, Remote, Running, Status
from shared.jobs import JobStatus, enqueue
from shared.jobs import store as jobs
from shared.logs import logger
from shared.projects import service as projects
from shared.schema import View

READ_WAIT_SECONDS = 25.0
WRITE_WAIT_SECONDS = 20.0


def group_of(project_id: str) -> str:
    return f"git-{project_id}"


def run(caller: Principal, project_id: str, op: str, args: dict[str, Any] | None = None) -> View | Running:
    """Run `op` on the project's repository as `caller`; its view, or `Running` for a write still going."""
    spec = OPS[op]
    project = projects.open_project(caller, project_id, write=spec.write)
    account = caller.account
    payload = {
        "op": op,
        "project_id": project.project_id,
        "user_id": caller.user_id,
        "author": {"name": account.username, "email": account.email or f"{account.username}@users.sasha.invalid"},
        "args": args or {},
    }
    job = enqueue(JOB_TYPE, payload, group_id=group_of(project.project_id), owner_id=caller.user_id)
    finished = jobs.wait_for(job.job_id, WRITE_WAIT_SECONDS if spec.write else READ_WAIT_SECONDS)
    if finished is None:
        if spec.write:
            return Running(job_id=job.job_id, op=op)
        raise ServiceUnavailableError("Git did not answer within 25 seconds (the runner may be busy); try again.")
    return _outcome(project.project_id, op, finished.status, finished.result, finished.error)


def job(caller: Principal, job_id: str) -> JobState:
    """A Git job the caller started: running, or how it ended (the same answer its route would have given)."""
    record = jobs.get(job_id) if job_id.isalnum() and len(job_id) <= 64 else None
    if record is None or record.job_type != JOB_TYPE or record.owner_id != caller.user_id:
        raise NotFoundError("There is no such Git job.", code="job_not_found")
    op = str((record.payload or {}).get("op"))
    project_id = str((record.payload or {}).get("project_id"))
    if not JobStatus(record.status).is_terminal:
        return JobState(job_id=job_id, op=op, state="running")
    try:
        view = _outcome(project_id, op, record.status, record.result, record.error)
    except GitError as exc:
        return JobState(job_id=job_id, op=op, state="failed", error=exc.as_dict())
    return JobState(job_id=job_id, op=op, state="succeeded", result=view.model_dump(by_alias=True, mode="json"))


def remotes_of(caller: Principal, project_id: str) -> list[Remote]:
    projects.open_project(caller, project_id)
    return remotes.list_for(project_id)


def checked_path(path: str) -> str:
    """A path in the project (the runner checks again); the error names the problem."""
    try:
        return safe_relative_path(path.strip("/") if path not in ("/", "") else path)
    except ValidationError as exc:
        raise GitError("invalid_path", exc.message) from None


def paths_args(body: Paths) -> dict[str, Any]:
    if body.all:
        return {"all": True, "paths": []}
    return {"all": False, "paths": list(dict.fromkeys(checked_path(path) for path in body.paths))}


def checked_branch(name: str) -> str:
    """Git's own rules for a branch name (check-ref-format), the common ones checked here for a quick answer."""
    bad = (
        not name
        or len(name) > 200
        or name.startswith(("-", "/", "."))
        or name.endswith(("/", ".", ".lock"))
        or any(part in name for part in ("..", "//", "@{", "\\"))
        or any(ch in name for ch in " ~^:?*[\\")
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        or name == "@"
    )
    if bad:
        raise GitError(
            "invalid_branch",
            f"'{name}' is not a valid branch name: use letters, digits, '-', '_', '.' and '/', no spaces.",
        )
    return name


def _outcome(project_id: str, op: str, status: str, result: Any, error: str | None) -> View:
    if status != JobStatus.SUCCEEDED or not isinstance(result, dict):
        # The runner's side, not git's and not the caller's: a 503 to try again, never a 500.
        logger.error("a git job ended without its outcome", extra={"op": op, "status": status, "error": error})
        reason = error or "the runner ended the job without its outcome"
        raise GitError("runner_failed", f"The Git operation could not run: {reason.rstrip('.')}. Try again.")
    if not result.get("ok"):
        raise GitError.from_dict(result.get("error") or {})
    view = OPS[op].view.model_validate(result["result"])
    return _with_remotes(project_id, view)


def _with_remotes(project_id: str, view: View) -> View:
    """Statuses show the project's remotes (kept by the API, not in the repository)."""
    if isinstance(view, Status):
        return view.with_remotes(remotes.list_for(project_id))
    status = getattr(view, "status", None)
    if isinstance(status, Status):
        return view.model_copy(update={"status": status.with_remotes(remotes.list_for(project_id))})
    return view
