"""Workspace: pull an S3 prefix into a local folder and push the local changes back, incrementally by ETag."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from boto3.s3.transfer import TransferConfig

from runner.workspace.errors import WorkspaceSyncError
from runner.workspace.local import (
    LocalFile,
    UnsafePathError,
    has_content,
    local_state,
    prune_empty_folders,
    safe_target,
    scan,
)
from runner.workspace.lock import file_lock
from runner.workspace.manifest import Entry, Manifest
from runner.workspace.plan import Action, RemoteObject, decide_pull, decide_push
from runner.workspace.report import Direction, SyncReport
from runner.workspace.session import Session, conflict_copy_name
from runner.workspace.transfer import DEFAULT_TRANSFER_CONFIG, Download, S3Prefix, Upload
from shared import aws
from shared.files import generations
from shared.logs import logger


class Workspace:
    """One S3 prefix mirrored in one local folder: `pull()` before a job, `push()` after it."""

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str,
        local_root: Path,
        s3: Any | None = None,
        state_dir: Path | None = None,
        transfer_config: TransferConfig | None = None,
        lock_timeout: float = 300.0,
        on_pushed: Callable[[SyncReport], int | None] | None = None,
        on_placed: Callable[[Path], None] | None = None,
        generation: Callable[[], int] | None = None,
    ) -> None:
        if not prefix.endswith("/") or prefix.startswith("/"):
            raise ValueError(f"the prefix must be relative and end with '/', not {prefix!r}")
        self.bucket = bucket
        self.prefix = prefix
        self.local_root = Path(local_root).resolve()
        self.lock_timeout = lock_timeout
        # Called after a push that changed something in S3; returns the prefix's new generation, if it keeps one.
        self._on_pushed = on_pushed
        self._on_placed = on_placed  # called for each file a pull put in place (e.g. to give it the folder's group)
        # Reads the prefix's generation, which every change to it moves on (after the change is in S3): a sync that
        # finds it where the manifest left it knows S3 holds the manifest's objects, and lists nothing.
        self._generation = generation
        self._remote = S3Prefix(
            s3 if s3 is not None else aws.client("s3"), bucket, prefix, transfer_config or DEFAULT_TRANSFER_CONFIG
        )
        # The manifest, lock and partial downloads live beside the folder, never in it (they would be pushed).
        state = Path(state_dir).resolve() if state_dir else self.local_root.parent / ".sync"
        if state.is_relative_to(self.local_root):
            raise ValueError("the sync state must live outside the folder it describes")
        name = self.local_root.name
        self._manifest_path = state / f"{name}.json"
        self._lock_path = state / f"{name}.lock"
        self._temp_dir = state / "tmp" / name
        self._identity = {"bucket": bucket, "prefix": prefix, "root": str(self.local_root)}

    def pull(self) -> SyncReport:
        """Bring S3's changes down: download new and changed objects, delete the files S3 no longer has."""
        with self._session("pull") as session:
            seen = self._generation() if self._generation is not None else None
            remote = self._remote_as_of(session.manifest, seen)
            self.local_root.mkdir(parents=True, exist_ok=True)
            downloads: list[Download] = []
            for relative in sorted(session.manifest.entries.keys() | remote.keys()):
                try:
                    target = safe_target(self.local_root, relative)
                except UnsafePathError as exc:
                    logger.warning("workspace key skipped", extra={"path": relative, "reason": exc.reason})
                    session.report.skip(relative, exc.reason)
                    continue
                base, obj, local = session.manifest.entries.get(relative), remote.get(relative), local_state(target)
                decision = decide_pull(base, obj, local)
                if decision.action is Action.DOWNLOAD and obj is not None:
                    downloads.append(Download(relative, target, obj))
                elif decision.action is Action.DELETE_LOCAL and base is not None:
                    self._delete_local(session, relative, target, base)
                elif decision.action is Action.FORGET:
                    session.manifest.forget(relative)
                elif decision.action is Action.COMPARE and isinstance(local, LocalFile) and obj is not None:
                    if not self._adopt_if_same(session, relative, local, obj):
                        session.report.conflict(relative, str(decision.conflict))
                elif decision.action is Action.CONFLICT:
                    session.report.conflict(relative, str(decision.conflict))
            self._remote.download(session, downloads, self._temp_dir, placed=self._on_placed)
            session.manifest.in_step_with(seen if self._in_step(session, remote) else None)
            return session.report

    def push(self) -> SyncReport:
        """Send local changes up: upload new and changed files, delete in S3 what was deleted here."""
        with self._session("push") as session:
            self._refuse_missing_root(session.manifest)
            found = scan(self.local_root)
            for relative, reason in sorted(found.skipped.items()):
                logger.warning("workspace file skipped", extra={"path": relative, "reason": reason})
                session.report.skip(relative, reason)
            seen = self._generation() if self._generation is not None else None
            remote = self._remote_as_of(session.manifest, seen)
            entries = session.manifest.entries
            uploads: list[Upload] = []
            deletes: list[str] = []
            for relative in sorted(entries.keys() | found.files.keys()):
                if found.blocked(relative):
                    continue  # a link or an unreadable folder stands there now: that is not a deletion
                base, obj, local = entries.get(relative), remote.get(relative), found.files.get(relative)
                decision = decide_push(base, obj, local)
                if decision.action is Action.UPLOAD and local is not None:
                    uploads.append(Upload(relative, local, relative))
                    if decision.conflict:
                        session.report.conflict(relative, decision.conflict)
                elif decision.action is Action.COMPARE and local is not None and obj is not None:
                    if not self._adopt_if_same(session, relative, local, obj):
                        copy = conflict_copy_name(relative, remote.keys() | entries.keys() | found.files.keys())
                        uploads.append(Upload(relative, local, copy))
                        session.report.conflict(relative, f"{decision.conflict} as {copy!r}")
                elif decision.action is Action.DELETE_REMOTE:
                    deletes.append(relative)
                elif decision.action is Action.FORGET:
                    session.manifest.forget(relative)
                elif decision.action is Action.CONFLICT:
                    session.report.conflict(relative, str(decision.conflict))
            try:
                self._remote.delete(session, deletes)
                self._remote.upload(session, uploads, self.local_root)
            finally:
                # Even a push that failed halfway changed S3: whoever caches a view of it must hear of it.
                moved_to = self._pushed(session.report)
            session.manifest.in_step_with(self._generation_after_push(session, remote, seen, moved_to))
            return session.report

    def changed_paths(self) -> list[str]:
        """What a push would upload or delete, judged on this disk alone (no S3 call): new, changed, deleted."""
        with file_lock(self._lock_path, timeout=self.lock_timeout):
            manifest = Manifest.load(self._manifest_path, self._identity)
            self._refuse_missing_root(manifest)
            found = scan(self.local_root)
        entries = manifest.entries
        changed = {relative for relative, local in found.files.items() if not local.matches(entries.get(relative))}
        deleted = {relative for relative in entries if relative not in found.files and not found.blocked(relative)}
        return sorted(changed | deleted)

    @contextmanager
    def _session(self, direction: Direction) -> Iterator[Session]:
        started = time.monotonic()
        with file_lock(self._lock_path, timeout=self.lock_timeout):
            session = Session(Manifest.load(self._manifest_path, self._identity), SyncReport(direction))
            shutil.rmtree(self._temp_dir, ignore_errors=True)  # whatever a crashed download left behind
            self._temp_dir.mkdir(parents=True, exist_ok=True)
            try:
                yield session
            finally:
                session.manifest.save()
                session.report.duration_seconds = time.monotonic() - started
                where = {"bucket": self.bucket, "prefix": self.prefix}
                logger.info(f"workspace {direction}", extra={**where, **session.report.summary()})
            session.raise_failures(f"s3://{self.bucket}/{self.prefix}")

    def _remote_as_of(self, manifest: Manifest, seen: int | None) -> dict[str, RemoteObject]:
        """S3's objects: the manifest's own when the generation has not moved since it was last in step, else listed."""
        if seen is None or seen != manifest.generation or not self.local_root.is_dir():
            return self._remote.listing()
        return {
            relative: RemoteObject(self.prefix + relative, entry.etag, entry.size)
            for relative, entry in manifest.entries.items()
        }

    def _pushed(self, report: SyncReport) -> int | None:
        """Tells `on_pushed` of a push that changed S3; the prefix's generation it moved to, if it keeps one."""
        if self._on_pushed is None or not (report.uploaded or report.deleted):
            return None
        return self._on_pushed(report)

    def _generation_after_push(
        self, session: Session, remote: dict[str, RemoteObject], seen: int | None, moved_to: int | None
    ) -> int | None:
        if seen is None or not self._in_step(session, remote):
            return None
        if not (session.report.uploaded or session.report.deleted):
            return seen
        # Ours is the only change since `seen` only when it moved the generation on by exactly one.
        return moved_to if moved_to == seen + 1 else None

    @staticmethod
    def _in_step(session: Session, remote: dict[str, RemoteObject]) -> bool:
        """Whether the manifest now holds exactly what S3 holds: `remote` as found, with this sync's own changes.

        A conflict left as it was, a skipped key or a failed file keeps them apart: the next sync lists again.
        """
        if session.failures:
            return False
        report = session.report
        uploaded, deleted = set(report.uploaded), set(report.deleted)
        expected = {r: obj.etag for r, obj in remote.items() if r not in uploaded and r not in deleted}
        held = {r: entry.etag for r, entry in session.manifest.entries.items() if r not in uploaded}
        return expected == held

    def _refuse_missing_root(self, manifest: Manifest) -> None:
        # A folder that vanished (a wiped cache) is not the user deleting every file: never push that as deletions.
        if manifest.entries and not self.local_root.is_dir():
            count = len(manifest.entries)
            raise WorkspaceSyncError(f"{self.local_root} is missing but its manifest lists {count} files")

    def _adopt_if_same(self, session: Session, relative: str, local: LocalFile, obj: RemoteObject) -> bool:
        """Record a file whose content already is the object's (a lost manifest, an interrupted sync)."""
        try:
            same = local.size == obj.size and has_content(self.local_root / relative, obj.etag)
        except OSError:
            same = False
        if same:
            session.manifest.record(relative, local.entry(obj.etag))
        return same

    def _delete_local(self, session: Session, relative: str, target: Path, base: Entry) -> None:
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            session.failed(relative, exc)
            return
        prune_empty_folders(self.local_root, target.parent)
        session.manifest.forget(relative)
        session.report.deleted.append(relative)
        session.report.deleted_bytes += base.size


def project_files(
    *,
    bucket: str,
    project_id: str,
    s3_prefix: str,
    local_root: Path,
    seen: Future[int] | None = None,
    **options: Any,
) -> Workspace:
    """A project's files (`<s3_prefix>files/`): a push that changes S3 moves the project's file tree on. `seen`: the
    tree's generation read already, for the first sync (see `read_first`)."""

    def invalidate_tree(report: SyncReport) -> int:
        return generations.invalidate(project_id)

    return Workspace(
        bucket=bucket,
        prefix=f"{s3_prefix}files/",
        local_root=local_root,
        on_pushed=invalidate_tree,
        generation=read_first(seen, lambda: generations.generation(project_id)),
        **options,
    )


def read_first(seen: Future[int] | None, read: Callable[[], int]) -> Callable[[], int]:
    """`read`, whose first answer is `seen` when given: a generation read when the job began, at once with its other
    reads, serves its pull (the pull then stands as of that moment); later syncs, such as its push, read anew."""
    unused = [seen] if seen is not None else []

    def generation() -> int:
        return unused.pop().result() if unused else read()

    return generation
