"""The failures of the cloud drives domain, each with its HTTP status and code (docs/drives.md)."""

from __future__ import annotations

from shared.errors import ConflictError, NotFoundError, PermissionDeniedError, ServiceUnavailableError, StudioError

REAUTHORIZE = "The drive refused the saved sign-in; reconnect it"


class DriveError(StudioError):
    """Base of the drives domain's errors."""


class ProviderInUseError(DriveError, ConflictError):
    code = "provider_in_use"


class ConnectionNotAuthorizedError(DriveError, ConflictError):
    """The connection has no usable credential yet (pending) or lost it (error): sign in again."""

    code = "connection_not_authorized"


class MountOverlapError(DriveError, ConflictError):
    code = "mount_overlap"


class MountGoneError(DriveError, NotFoundError):
    """The mount was deleted (a runner reporting on it stops there)."""

    code = "mount_not_found"


class ReadOnlyMountError(DriveError, PermissionDeniedError):
    """A write into a folder synced read-only from a drive."""

    code = "read_only_mount"


class DriveAuthorizationError(DriveError, ConflictError):
    """The drive refused the saved sign-in (invalid_grant): not worth retrying; the connection is now `error`."""

    code = "drive_reauthorization_needed"

    def __init__(self, message: str = REAUTHORIZE) -> None:
        super().__init__(message)


class DriveUnavailableError(DriveError, ServiceUnavailableError):
    """The drive's sign-in service did not answer (network, timeout, 5xx): retry later; nothing was changed."""

    code = "drive_unreachable"
    retryable = True
