"""One sync in progress: its manifest and report, per-file failures, and small helpers of the transfers."""

from __future__ import annotations

import errno
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

from botocore.exceptions import ClientError

from runner.workspace.errors import WorkspaceSyncError
from runner.workspace.manifest import Manifest
from runner.workspace.report import SyncReport
from shared import aws
from shared.logs import logger

CHECKPOINT_SECONDS = 2.0  # a long sync saves its manifest this often, so a kill -9 loses little
# Errors of the disk rather than of one file: the sync fails instead of skipping file after file.
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS}


@dataclass
class Session:
    manifest: Manifest
    report: SyncReport
    failures: list[str] = field(default_factory=list)
    saved_at: float = field(default_factory=time.monotonic)

    def failed(self, relative: str, exc: BaseException) -> None:
        """Skip the file when the failure is its own (gone, changed meanwhile, a bad name); else fail the sync."""
        reason = _skip_reason(exc)
        if reason is not None:
            self.report.skip(relative, reason)
            return
        logger.error("workspace transfer failed", extra={"path": relative, "error": repr(exc)})
        self.failures.append(f"{relative}: {exc}")

    def checkpoint(self) -> None:
        if time.monotonic() - self.saved_at >= CHECKPOINT_SECONDS:
            self.manifest.save()
            self.saved_at = time.monotonic()

    def raise_failures(self, where: str) -> None:
        if self.failures:
            message = f"{len(self.failures)} file(s) could not be synced with {where}; first: {self.failures[0]}"
            raise WorkspaceSyncError(message, self.report)


def _skip_reason(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        code = aws.error_code(exc)
        if code in aws.S3_MISSING:
            return "removed from S3 during the sync"
        if code in aws.S3_PRECONDITION_FAILED:
            return "changed in S3 during the sync; the next pull brings it"
        return None
    if isinstance(exc, OSError) and exc.errno not in _DISK_ERRNOS:
        return f"local file error: {exc.strerror or exc}"
    return None


def conflict_copy_name(relative: str, taken: Collection[str], now: datetime | None = None) -> str:
    """A free sibling name for the other side of a conflict: 'notes (conflict 2025-01-31 140502).md'."""
    path = PurePosixPath(relative)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H%M%S")
    number = 1
    while True:
        label = f"conflict {stamp}" if number == 1 else f"conflict {stamp} {number}"
        candidate = str(path.with_name(f"{path.stem} ({label}){path.suffix}"))
        if candidate not in taken:
            return candidate
        number += 1
