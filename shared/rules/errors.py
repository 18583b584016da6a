"""The rules domain's errors."""

from __future__ import annotations

from typing import Any

from shared.errors import ConflictError


class VersionTakenError(Exception):
    """Another save took the next version first (store level; the service answers with the current one)."""


class VersionConflictError(ConflictError):
    """The editor saved over a version that is no longer the current one; `details` carries the current."""

    code = "version_conflict"

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__(
            f"These rules changed since you opened them (now version {current['version']}). "
            "Look at the current version before saving again."
        )
        self.details = {"current": current}
