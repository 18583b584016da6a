"""Errors of the drive layer, under one base class; each carries the `Problem` a mount's health shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.drives.health import Problem

if TYPE_CHECKING:
    from runner.drives.report import SyncResult


class DriveError(Exception):
    """A drive could not be synced; `problem` is the short reason a degraded mount shows."""

    def __init__(self, problem: Problem, result: SyncResult | None = None) -> None:
        super().__init__(problem.reason)
        self.problem = problem
        self.result = result  # what did complete (and a token rclone refreshed), when the sync got that far


class DriveConfigError(DriveError):
    """The drive's settings cannot become an rclone remote (a field missing, a value rclone cannot hold)."""

    def __init__(self, reason: str) -> None:
        super().__init__(Problem("misconfigured", reason))


class DriveBusyError(DriveError):
    """Another sync of the same mount on this runner held its lock for longer than we were willing to wait."""

    def __init__(self, reason: str) -> None:
        super().__init__(Problem("busy", reason))


class DriveSyncError(DriveError):
    """rclone failed (the drive unreachable, the sign-in refused, a timeout) or the local folder refused a sync."""
