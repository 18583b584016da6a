"""The failures Git operations meet, each with the status and code the API answers (docs/git.md)."""

from __future__ import annotations

from typing import Any

from shared.errors import StudioError

# code -> HTTP status; every code a Git job may report is here, anything else is a server failure.
STATUS_OF: dict[str, int] = {
    "not_initialized": 409,
    "nothing_staged": 409,
    "push_rejected": 409,
    "merge_conflict": 409,
    "merge_in_progress": 409,
    "no_merge": 409,
    "hook_rejected": 409,
    "checkout_blocked": 409,
    "local_changes": 409,
    "branch_exists": 409,
    "no_commits": 409,
    "unknown_branch": 404,
    "no_remote": 400,
    "no_upstream": 400,
    "remote_not_found": 400,
    "remote_auth_failed": 400,
    "remote_unreachable": 502,
    "invalid_path": 400,
    "invalid_branch": 400,
    "invalid_url": 400,
    "invalid_request": 400,
    "claude_unavailable": 503,
    "git_busy": 503,
    "runner_failed": 503,
    "project_gone": 404,
    "git_failed": 500,
}


class GitError(StudioError):
    """A Git operation that did not happen, and why, for a person; `details` (e.g. conflicts) go on the wire."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, code=code)
        self.status = STATUS_OF.get(code, 500)
        self.details = details or None

    def as_dict(self) -> dict[str, Any]:
        """The error as the routes answer it: code, message, and the details beside them (e.g. `conflicts`)."""
        return {"code": self.code, "message": self.message, **(self.details or {})}

    @classmethod
    def from_dict(cls, error: dict[str, Any]) -> GitError:
        details = {key: value for key, value in error.items() if key not in ("code", "message")}
        return cls(str(error.get("code") or "git_failed"), str(error.get("message") or "Git failed."), details)
