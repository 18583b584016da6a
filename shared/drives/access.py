"""What the runner needs to reach one drive: the kind of remote and its settings, secrets opened.

The domain builds a `DriveAccess` for a mount (reading the provider, the connection and its sealed credentials,
refreshing an OAuth token that is about to expire); the runner turns it into an rclone remote inside a job's
sandbox and forgets it when the job ends. It is never stored, logged or sent to a client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DriveKind(StrEnum):
    ONEDRIVE = "onedrive"
    SHAREPOINT = "sharepoint"
    GDRIVE = "gdrive"
    WEBDAV = "webdav"
    S3 = "s3"

    @property
    def uses_oauth(self) -> bool:
        return self in (DriveKind.ONEDRIVE, DriveKind.SHAREPOINT, DriveKind.GDRIVE)


@dataclass(frozen=True, slots=True)
class OAuthToken:
    access_token: str
    refresh_token: str | None
    expires_at: str | None  # RFC 3339, UTC
    token_type: str = "Bearer"  # noqa: S105  # the scheme's name, not a secret


@dataclass(frozen=True, slots=True)
class DriveAccess:
    """One drive, ready to be written as an rclone remote. Only the fields of its kind are set."""

    kind: DriveKind
    # OAuth drives (onedrive, sharepoint, gdrive)
    client_id: str | None = None
    client_secret: str | None = None
    token: OAuthToken | None = None
    token_url: str | None = None  # where rclone refreshes; the provider's own unless an admin configured one
    authorize_url: str | None = None
    tenant_id: str | None = None  # onedrive for business / sharepoint
    drive_id: str | None = None  # onedrive / sharepoint: the drive; gdrive: a shared drive (team drive)
    # WebDAV
    url: str | None = None
    username: str | None = None
    password: str | None = None
    # S3-compatible
    endpoint: str | None = None
    region: str | None = None
    bucket: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print a secret by accident
        return f"DriveAccess(kind={self.kind.value!r})"
