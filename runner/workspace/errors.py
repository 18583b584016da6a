"""Errors of workspace sync, under one base class."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.workspace.report import SyncReport


class WorkspaceError(Exception):
    """A workspace could not be synced."""


class WorkspaceBusyError(WorkspaceError):
    """Another job on this runner held the workspace's lock for longer than we were willing to wait."""


class WorkspaceSyncError(WorkspaceError):
    """S3 or the local disk failed; what did complete is in `report` and in the manifest."""

    def __init__(self, message: str, report: SyncReport | None = None) -> None:
        super().__init__(message)
        self.report = report
