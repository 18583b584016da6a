"""Carrying out a pull or a push: decide every path (plan.py), move files in batches, record both sides after.

rclone moves the bytes (as the job's user): one `copy --files-from-raw` per direction with exactly the files the
plan picked (`--ignore-times` on the way up, so rclone sends them even where the drive keeps no modification
time), one `copyto` per conflict copy, one `delete` for the drive's deletions. Downloads land in a staging folder
inside the mount and are moved onto their names when complete. The runner deletes local files itself, by
descriptor, and only when they are still as listed. The state records a file only once rclone logged it as
copied, so a sync that fails half-way is finished by the next one.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from runner.drives.command import Rclone
from runner.drives.errors import DriveSyncError
from runner.drives.health import Problem
from runner.drives.listing import (
    STAGING_PREFIX,
    Tree,
    clear_staging,
    list_local,
    list_remote,
    parents,
    place,
    remove_empty_folder,
    remove_file,
    same_moment,
)
from runner.drives.plan import Action, Decision, blocked_by, conflict_name, decide_pull, decide_push
from runner.drives.report import Conflict, Skipped, SyncResult
from runner.drives.state import Base, SyncState

RELIST_LIMIT = 200  # after more uploads than this, list the whole folder rather than look each file up
NO_TRAVERSE_LIMIT = 100


@dataclass
class Session:
    rclone: Rclone
    state: SyncState
    local_dir: Path
    result: SyncResult
    read_only: bool
    problem: Problem | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def fail(self, problem: Problem) -> None:
        self.problem = self.problem or problem

    def finish(self) -> None:
        if self.problem is not None:
            raise DriveSyncError(self.problem)


def run_pull(session: Session) -> None:
    remote = list_remote(session.rclone)
    session.local_dir.mkdir(parents=True, exist_ok=True)
    clear_staging(session.local_dir)
    local = _local(session, missing_ok=False)
    actions = _plan(session, remote, local, pull=True)
    adopted, differing = _compare(session, remote, local, actions[Action.COMPARE])
    conflicts = [] if session.read_only else differing
    downloads = actions[Action.DOWNLOAD] + (differing if session.read_only else [])
    copied, copies = _download(session, downloads, _copy_names(session, conflicts, remote, local))
    deleted = [path for path in actions[Action.DELETE_LOCAL] if remove_file(session.local_dir, path, local.files[path])]
    for path in deleted:
        for folder in parents(path):
            if folder not in remote.dirs:
                remove_empty_folder(session.local_dir, folder)
    after = list_local(session.local_dir)
    files, result = session.state.files, session.result
    files.update({path: Base(remote.files[path], after.files.get(path)) for path in copied})
    files.update({path: Base(remote.files[path], local.files[path]) for path in adopted})
    for path in conflicts:
        if path in copies:  # ours keeps the name and stays "changed" (its old local stamp): the push sends both
            files[path] = Base(remote.files[path], files[path].local if path in files else None)
        outcome = (
            "kept ours, the drive's is the copy" if path in copies else "kept ours, the drive's could not be fetched"
        )
        result.conflicts.append(Conflict(path, copies.get(path), f"{session.notes[path]}: {outcome}"))
    for path in actions[Action.KEEP]:
        files[path] = Base(None, files[path].local)
        result.conflicts.append(Conflict(path, None, session.notes[path]))
    for path in [*deleted, *actions[Action.FORGET]]:
        files.pop(path, None)
    result.pulled = sorted([*copied, *copies.values()])
    result.deleted_local = sorted(deleted)
    result.refused = sorted(path for path in [*copied, *deleted] if path in session.notes)
    result.bytes_pulled = sum(remote.files[path][0] for path in [*copied, *copies])
    session.finish()


def run_push(session: Session) -> None:
    clear_staging(session.local_dir)
    local = _local(session, missing_ok=session.read_only or not _had_local_files(session))
    if session.read_only:  # nothing is sent, and the drive is not even asked
        session.result.refused = sorted(_plan(session, Tree(), local, pull=False)[Action.REFUSE])
        return
    remote = list_remote(session.rclone)
    actions = _plan(session, remote, local, pull=False)
    adopted, conflicts = _compare(session, remote, local, actions[Action.COMPARE])
    _, copies = _download(session, [], _copy_names(session, conflicts, remote, local))
    copied = _upload(session, [*actions[Action.UPLOAD], *copies, *copies.values()])
    deleted = _delete_remote(session, actions[Action.DELETE_REMOTE], remote, local)
    after_remote = list_remote(session.rclone, copied if len(copied) <= RELIST_LIMIT else None) if copied else Tree()
    after_local = list_local(session.local_dir)
    files, result = session.state.files, session.result
    files.update({path: Base(after_remote.files.get(path), after_local.files.get(path)) for path in copied})
    files.update({path: Base(remote.files[path], local.files[path]) for path in adopted})
    for path in [*deleted, *actions[Action.FORGET]]:
        files.pop(path, None)
    for path in conflicts:  # ours is sent only once theirs is safe beside it
        outcome = (
            "ours went to the drive, theirs is the copy"
            if path in copies
            else "theirs could not be fetched, ours was not sent"
        )
        result.conflicts.append(Conflict(path, copies.get(path), f"{session.notes[path]}: {outcome}"))
    for path in [*actions[Action.KEEP], *(path for path in copied if path in session.notes and path not in copies)]:
        result.conflicts.append(Conflict(path, None, session.notes[path]))
    result.pushed = sorted(copied)
    result.deleted_remote = sorted(deleted)
    result.bytes_pushed = sum(after_local.files.get(path, (0, ""))[0] for path in copied)
    session.finish()


def _local(session: Session, *, missing_ok: bool) -> Tree:
    local = list_local(session.local_dir)
    if not local.exists and not missing_ok:
        if session.result.direction == "push":  # a wiped folder must never read as "delete everything on the drive"
            raise DriveSyncError(Problem("failed", "The mount's folder is missing here; nothing was sent or deleted."))
        raise DriveSyncError(Problem("failed", "The mount's folder cannot be opened here (is it a link?)."))
    return local


def _had_local_files(session: Session) -> bool:
    return any(base.local is not None for base in session.state.files.values())


def _plan(session: Session, remote: Tree, local: Tree, *, pull: bool) -> dict[Action, list[str]]:
    result, files = session.result, session.state.files
    result.skipped.extend(Skipped(path, f"{reason} (on the drive)") for path, reason in sorted(remote.skipped.items()))
    result.skipped.extend(Skipped(path, f"{reason} (here)") for path, reason in sorted(local.skipped.items()))
    actions: dict[Action, list[str]] = defaultdict(list)
    for path in sorted(remote.files.keys() | local.files.keys() | files.keys()):
        if path in remote.skipped or path in local.skipped:
            continue
        blocked = blocked_by(path, remote, local)
        if blocked:
            result.skipped.append(Skipped(path, blocked))
            continue
        decide = decide_pull if pull else decide_push
        decision: Decision = decide(files.get(path), remote.files.get(path), local.files.get(path),
                                    read_only=session.read_only)  # fmt: skip
        actions[decision.action].append(path)
        if decision.note:
            session.notes[path] = decision.note
    return actions


def _compare(session: Session, remote: Tree, local: Tree, paths: list[str]) -> tuple[list[str], list[str]]:
    """Paths changed on both sides: (adopted, as both sides already agree; differing)."""
    adopted = [path for path in paths if same_moment(remote.files[path], local.files[path])]
    rest = [path for path in paths if path not in adopted]
    same_size = [path for path in rest if remote.files[path][0] == local.files[path][0]]
    if same_size and not session.read_only:  # same bytes under other times (a lost state, no times kept)?
        rclone = session.rclone
        call = rclone.run("check", rclone.config.remote(), str(session.local_dir), *rclone.files_from(same_size),
                          "--one-way", "--download", "--combined", "-", check=False)  # fmt: skip
        equal = {line[2:] for line in call.stdout.decode("utf-8", "replace").splitlines() if line.startswith("= ")}
        adopted += [path for path in same_size if path in equal]
    return adopted, [path for path in rest if path not in adopted]


def _download(session: Session, paths: list[str], copies: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Files from the drive (`paths`, and each conflict's drive version under its copy name): what was placed.

    rclone writes into a staging folder inside the mount; each finished file is then moved onto its name, so a
    download cut short never sits at a file's name where the next sync would take it for a local edit.
    """
    if not paths and not copies:
        return [], {}
    rclone, root = session.rclone, session.local_dir
    staging = f"{STAGING_PREFIX}{secrets.token_hex(6)}"
    (root / staging).mkdir()
    if rclone.config.owner is not None:  # rclone writes here as the job's user; the folder's group stays the project's
        os.chown(root / staging, rclone.config.owner[0], -1, follow_symlinks=False)
    try:
        placed: list[str] = []
        if paths:
            call = rclone.run("copy", rclone.config.remote(), str(root / staging), *rclone.files_from(paths),
                              check=False)  # fmt: skip
            if not call.ok:
                session.fail(rclone.problem(call))
            placed = [path for path in sorted(set(paths) & call.copied) if _place(session, staging, path, path)]
        placed_copies: dict[str, str] = {}
        for path, copy in copies.items():
            call = rclone.run("copyto", rclone.config.remote(path), str(root / staging / copy), check=False)
            if not call.ok:
                session.fail(rclone.problem(call))
            elif _place(session, staging, copy, copy):
                placed_copies[path] = copy
        return placed, placed_copies
    finally:
        shutil.rmtree(root / staging, ignore_errors=True)


def _place(session: Session, staging: str, staged: str, target: str) -> bool:
    owner = session.rclone.config.owner
    if place(session.local_dir, f"{staging}/{staged}", target, owner=owner[0] if owner else None):
        return True
    session.result.skipped.append(Skipped(target, "could not be put in place here (a link or a file on the way)"))
    return False


def _copy_names(session: Session, paths: list[str], remote: Tree, local: Tree) -> dict[str, str]:
    taken = set(remote.files) | set(local.files) | set(session.state.files) | remote.dirs | local.dirs
    names: dict[str, str] = {}
    for path in paths:
        names[path] = conflict_name(path, taken)
        taken.add(names[path])
    return names


def _upload(session: Session, paths: list[str]) -> list[str]:
    """One rclone copy of `paths` to the drive; the paths it logged as copied."""
    if not paths:
        return []
    rclone = session.rclone
    # A few files are looked up one by one on the drive; more, and listing their folders costs fewer requests.
    traverse = ("--no-traverse",) if len(paths) <= NO_TRAVERSE_LIMIT else ()
    call = rclone.run("copy", str(session.local_dir), rclone.config.remote(), *rclone.files_from(paths), *traverse,
                      "--ignore-times", check=False)  # fmt: skip
    if not call.ok:
        session.fail(rclone.problem(call))
    return sorted(set(paths) & call.copied)


def _delete_remote(session: Session, paths: list[str], remote: Tree, local: Tree) -> list[str]:
    """Delete files on the drive, then the folders that are gone here and left empty there."""
    if not paths:
        return []
    rclone = session.rclone
    call = rclone.run("delete", rclone.config.remote(), *rclone.files_from(paths), check=False)
    if not call.ok:
        session.fail(rclone.problem(call))
    deleted = sorted(set(paths) & call.deleted)
    gone = {folders[-1] for path in deleted if (folders := [f for f in parents(path) if f not in local.dirs])}
    for folder in sorted(gone):
        if folder in remote.dirs:
            rclone.run("rmdirs", rclone.config.remote(folder), check=False)
    return deleted
