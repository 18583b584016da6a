"""Workspace sync: an S3 prefix (the source of truth) mirrored in a local folder the runner owns.

`Workspace(bucket=..., prefix=..., local_root=...)` works for any prefix/folder pair: project files
(`projects/<id>/files/` ↔ `<data_dir>/workspaces/<id>/files`) and Claude CLI transcripts
(`sessions/<id>/` ↔ `$CLAUDE_CONFIG_DIR/projects/<mangled cwd>/`) alike. See docs/workspace-sync.md.
"""

from runner.workspace.errors import WorkspaceBusyError, WorkspaceError, WorkspaceSyncError
from runner.workspace.report import Conflict, Skipped, SyncReport
from runner.workspace.sync import DEFAULT_TRANSFER_CONFIG, Workspace, project_files, read_first

__all__ = [
    "DEFAULT_TRANSFER_CONFIG",
    "Conflict",
    "Skipped",
    "SyncReport",
    "Workspace",
    "WorkspaceBusyError",
    "WorkspaceError",
    "WorkspaceSyncError",
    "project_files",
    "read_first",
]
