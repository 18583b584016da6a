"""A project's drive mounts around one job, in the job's copy of the project's files.

    pull the project's files from S3 (the caller)
    before(): each mount whose profile pulls before jobs: the drive's changes into its folder
    the job runs (Claude, a skill, a scheduled prompt)
    after(): read-write mounts push what the job changed to the drive; read-only ones are made the drive's
             exact copy again (whatever the job wrote there is dropped, and listed)
    push the project's files to S3 (the caller): the tree then shows the drive's files

A `drive.sync` job does the same for one mount, whatever its profile. Each mount reports its health
(mounting → mounted, or degraded with the reason) and its last sync; a mount that fails never fails the job
around it. rclone runs as the job's pool user, with a config written only inside the job's box.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from runner.drives.command import ProcessRunner
from runner.drives.errors import DriveError
from runner.drives.report import SyncResult
from runner.drives.sync import pull, push
from runner.sandbox import JobBox, Sandbox
from shared.concurrency import soon
from shared.drives import mounts, remote, syncs
from shared.drives.access import DriveAccess
from shared.drives.profiles import profile_of
from shared.drives.views import Mount
from shared.errors import StudioError
from shared.logs import logger
from shared.settings import Settings

MOUNT_SECONDS = 300.0  # at most this long per mount and direction inside a job (a drive.sync job has its own)


@dataclass
class _Synced:
    mount: Mount
    access: DriveAccess
    results: list[SyncResult] = field(default_factory=list)


class ProjectMounts:
    """The mounts of the box's project: `before()` the job, `after()` it."""

    def __init__(
        self,
        settings: Settings,
        sandbox: Sandbox,
        box: JobBox,
        *,
        only: str | None = None,
        seconds: float = MOUNT_SECONDS,
    ) -> None:
        self._settings = settings
        self._sandbox = sandbox
        self._box = box
        self._only = only  # a drive.sync job: this mount, whatever its profile
        self._seconds = seconds
        self._synced: list[_Synced] = []
        self._found: Future[list[Mount]] | None = None

    def read_ahead(self, found: Future[list[Mount]] | None = None) -> None:
        """Start reading the project's mounts now, for `before()` (a turn reads them while its workspace comes down),
        or take `found`, the project's mounts read earlier (`mounts.mounts_for_project`)."""
        self._found = soon(self._mounts) if found is None else found

    def before(self) -> None:
        found = self._chosen(self._found.result()) if self._found is not None else self._mounts()
        for mount in found:
            if self._only is None and not profile_of(mount.vfs_profile).pull_before_job:
                continue  # synced by the tick only
            synced = self._open(mount)
            if synced is not None and self._sync(synced, "pull", pull):
                self._mounted(synced)  # reported now, so a job that dies does not leave it "mounting"
                self._synced.append(synced)

    def after(self) -> None:
        for synced in self._synced:
            direction, step = ("pull", pull) if synced.mount.read_only else ("push", push)
            if self._sync(synced, direction, step):
                self._mounted(synced)
        self._synced.clear()

    def _mounts(self) -> list[Mount]:
        return self._chosen(mounts.mounts_for_project(self._box.project_id))

    def _chosen(self, found: list[Mount]) -> list[Mount]:
        return [m for m in found if self._only is None or m.mount_id == self._only]

    def _open(self, mount: Mount) -> _Synced | None:
        try:
            syncs.begin_sync(mount.mount_id)
            view, access = remote.access_for_mount(mount.mount_id)
        except StudioError as exc:
            self._degraded(mount, exc.message)
            return None
        return _Synced(view, access)

    def _sync(self, synced: _Synced, direction: str, step: Callable[..., SyncResult]) -> bool:
        mount = synced.mount
        folder = self._box.files / mount.path
        try:
            result = step(
                synced.access,
                mount.remote_path,
                folder,
                state_file=self._sandbox.sync_state(f"drive-{mount.mount_id}") / "state.json",
                work_dir=self._box.tmp,
                read_only=mount.read_only,
                runner=ProcessRunner.for_box(self._box),
                deadline=time.monotonic() + self._seconds,
            )
        except DriveError as exc:
            self._keep_token(mount, exc.result)
            self._degraded(mount, exc.problem.reason)
            return False
        for path in _placed(result):
            target = folder / path
            if target.is_file():
                self._box.share_project_file(target)  # the project's other jobs may read and change it too
        self._keep_token(mount, result)
        synced.results.append(result)
        logger.info("drive mount synced", extra={"mount_id": mount.mount_id, "direction": direction,
                                                  **_counts(result)})  # fmt: skip
        return True

    def _keep_token(self, mount: Mount, result: SyncResult | None) -> None:
        if result is not None and result.refreshed_token is not None:
            try:
                remote.store_refreshed_token(mount.mount_id, result.refreshed_token)
            except StudioError:
                logger.warning("a drive's refreshed token was not stored", extra={"mount_id": mount.mount_id})

    def _mounted(self, synced: _Synced) -> None:
        with contextlib.suppress(StudioError):  # the mount was removed meanwhile
            syncs.report_sync(synced.mount.mount_id, True, _merged(synced.results))

    def _degraded(self, mount: Mount, reason: str) -> None:
        logger.warning("drive mount degraded", extra={"mount_id": mount.mount_id, "reason": reason})
        with contextlib.suppress(StudioError):  # the mount was removed meanwhile
            syncs.report_sync(mount.mount_id, False, reason=reason)


def _placed(result: SyncResult) -> list[str]:
    return result.pulled  # conflict copies included


def _counts(result: SyncResult) -> dict[str, Any]:
    summary = result.summary()
    return {key: summary[key] for key in ("pulled", "pushed", "deleted", "refused")}


def _merged(results: list[SyncResult]) -> dict[str, Any]:
    """One summary for the mount's last sync: a pull and the push after it, added up."""
    merged: dict[str, Any] = {"pulled": 0, "pushed": 0, "deleted": 0, "conflicts": []}
    for result in results:
        summary = result.summary()
        for key in ("pulled", "pushed", "deleted"):
            merged[key] += summary[key]
        merged["conflicts"] += summary["conflicts"]
    return merged
