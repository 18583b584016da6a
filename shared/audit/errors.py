"""The audit domain's errors."""

from __future__ import annotations

from shared.errors import StudioError


class AuditWriteError(StudioError):
    """An entry could not be stored; the action it records goes on (shared.audit.service.record)."""
