"""A mount's syncs: pull (drive → the project's folder) before a job, push (back) after it, probe for health.

    result = pull(access, "Team/Reports", files / "Reports", state_file=state, work_dir=box.tmp,
                  read_only=False, runner=ProcessRunner.for_box(box), deadline=ctx.deadline - 30)
    ...  # the job
    result = push(access, "Team/Reports", files / "Reports", state_file=state, work_dir=box.tmp, ...)

Each sync lists both sides, decides every path (plan.py), moves files in batches (one `rclone copy
--files-from-raw` each way, one `rclone delete`), deletes local files itself by descriptor, and records what both
sides look like afterwards in the state file. A failure raises a DriveError whose `problem` is the mount's
health reason and whose `result` holds what did complete; the state is saved either way.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from runner.drives.command import ProcessRunner, Rclone
from runner.drives.config import rclone_config
from runner.drives.errors import DriveConfigError, DriveError
from runner.drives.health import Problem
from runner.drives.report import Direction, SyncResult
from runner.drives.state import SyncState, state_lock
from runner.drives.transfer import Session, run_pull, run_push
from shared.drives.access import DriveAccess, OAuthToken
from shared.logs import logger
from shared.settings import get_settings

DEFAULT_SECONDS = 900.0
LOCK_TIMEOUT_SECONDS = 300.0
PROBE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Probe:
    entries: int  # files and folders at the top of the mount's folder
    refreshed_token: OAuthToken | None


def pull(
    access: DriveAccess,
    remote_path: str,
    local_dir: Path,
    *,
    state_file: Path,
    work_dir: Path,
    read_only: bool = False,
    runner: ProcessRunner | None = None,
    deadline: float | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    allow_private: bool | None = None,
) -> SyncResult:
    """Bring the drive's changes into `local_dir` (read-only: make it an exact copy of the drive)."""
    target = _Target(access, remote_path, local_dir, state_file, work_dir, read_only, runner, allow_private)
    with _session("pull", target, deadline, lock_timeout) as session:
        run_pull(session)
        return session.result


def push(
    access: DriveAccess,
    remote_path: str,
    local_dir: Path,
    *,
    state_file: Path,
    work_dir: Path,
    read_only: bool = False,
    runner: ProcessRunner | None = None,
    deadline: float | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    allow_private: bool | None = None,
) -> SyncResult:
    """Send the changes made in `local_dir` to the drive (read-only: send nothing, list them as refused).

    Run it after the job's processes have ended (`box.end_turn()`): the folder must hold still while it is read.
    """
    target = _Target(access, remote_path, local_dir, state_file, work_dir, read_only, runner, allow_private)
    with _session("push", target, deadline, lock_timeout) as session:
        run_push(session)
        return session.result


def probe(
    access: DriveAccess,
    remote_path: str,
    *,
    work_dir: Path,
    runner: ProcessRunner | None = None,
    deadline: float | None = None,
    allow_private: bool | None = None,
) -> Probe:
    """List the top of the mount's folder: succeeds when the drive is reachable and lets us in, else DriveError."""
    private = get_settings().is_local if allow_private is None else allow_private
    owner = (runner or ProcessRunner()).owner
    with rclone_config(access, remote_path, work_dir, owner=owner, allow_private=private) as config:
        rclone = Rclone(config, deadline=deadline or time.monotonic() + PROBE_SECONDS, runner=runner)
        try:
            items = rclone.list_json("--max-depth", "1", "--no-mimetype", config.remote())
        except DriveError as exc:
            exc.result = SyncResult("pull", True, refreshed_token=config.refreshed_token())
            raise
        return Probe(len(items), config.refreshed_token())


@dataclass(frozen=True, slots=True)
class _Target:
    access: DriveAccess
    remote_path: str
    local_dir: Path
    state_file: Path
    work_dir: Path
    read_only: bool
    runner: ProcessRunner | None
    allow_private: bool | None


@contextlib.contextmanager
def _session(direction: Direction, target: _Target, deadline: float | None, lock_timeout: float) -> Iterator[Session]:
    """The lock, the remote's config, the state: loaded before, saved after (also after a failure), and the log."""
    started = time.monotonic()
    result = SyncResult(direction, target.read_only)
    local_dir = target.local_dir.absolute()
    if target.state_file.absolute().is_relative_to(local_dir):
        raise DriveConfigError("The sync state must be kept outside the mount's folder.")
    private = get_settings().is_local if target.allow_private is None else target.allow_private
    runner = target.runner or ProcessRunner()
    try:
        with (
            state_lock(target.state_file, timeout=lock_timeout),
            rclone_config(
                target.access, target.remote_path, target.work_dir, owner=runner.owner, allow_private=private
            ) as config,
        ):
            rclone = Rclone(config, deadline=deadline or started + DEFAULT_SECONDS, runner=runner)
            state = SyncState.load(target.state_file, {"remote": config.root, "local": str(local_dir)})
            session = Session(rclone, state, local_dir, result, target.read_only)
            try:
                yield session
            finally:
                state.save()
                result.refreshed_token = config.refreshed_token()
    except DriveError as exc:
        exc.result = result
        _log(result, started, exc.problem)
        raise
    _log(result, started, None)


def _log(result: SyncResult, started: float, problem: Problem | None) -> None:
    result.duration_seconds = time.monotonic() - started
    extra = result.summary() | ({"problem": problem.code, "reason": problem.reason} if problem else {})
    logger.info(f"drive {result.direction}", extra=extra)
