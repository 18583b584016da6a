"""Cloud drives on the runner: a drive folder synced into a project folder with rclone (Fargate has no FUSE).

`pull` before a job that touches the project, `push` after it (read-write mounts), `probe` for a mount's health;
a failure is a DriveError whose `problem.reason` is what a degraded mount shows. See docs/drives.md,
"How a mount syncs".
"""

from runner.drives.command import ProcessRunner
from runner.drives.errors import DriveBusyError, DriveConfigError, DriveError, DriveSyncError
from runner.drives.health import Problem
from runner.drives.inifile import obscure
from runner.drives.report import Conflict, Skipped, SyncResult
from runner.drives.sync import Probe, probe, pull, push

__all__ = [
    "Conflict",
    "DriveBusyError",
    "DriveConfigError",
    "DriveError",
    "DriveSyncError",
    "Probe",
    "Problem",
    "ProcessRunner",
    "Skipped",
    "SyncResult",
    "obscure",
    "probe",
    "pull",
    "push",
]
