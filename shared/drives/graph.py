"""Which drive a OneDrive sign-in opens: Microsoft Graph's `GET /me/drive`, asked with the token the sign-in got.

rclone needs a drive id for every OneDrive remote, and each person's OneDrive has its own: unless the provider names
one drive for everyone (its `driveId`), the OAuth callback asks Graph and keeps the answer on the connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.drives.schemas import DRIVE_ID_PATTERN
from shared.drives.token_endpoint import TokenEndpointError, get_json
from shared.logs import logger
from shared.models.cloud import CloudProvider

GRAPH = "https://graph.microsoft.com/v1.0"
DRIVE_TYPES = ("personal", "business", "documentLibrary")
_DRIVE_ID = re.compile(DRIVE_ID_PATTERN)


class DriveLookupError(Exception):
    """Graph named no usable drive; the message says why, in words a person can read."""


@dataclass(frozen=True, slots=True)
class Drive:
    drive_id: str
    drive_type: str | None  # one of DRIVE_TYPES; None when Graph did not say


def api_url_of(provider: CloudProvider) -> str:
    """Graph's base URL: the provider's `apiUrl` when an admin set one (a proxy, the tests' fake), else Microsoft's."""
    return (provider.api_url or GRAPH).rstrip("/")


def needs_lookup(provider: CloudProvider) -> bool:
    """A OneDrive provider that names no drive: each connection's drive is the signed-in person's own."""
    return provider.provider_type == "onedrive" and not provider.drive_id


def my_drive(provider: CloudProvider, access_token: str) -> Drive:
    """The signed-in person's drive, as Graph describes it; DriveLookupError when it does not."""
    try:
        answer = get_json(f"{api_url_of(provider)}/me/drive", access_token)
    except TokenEndpointError as exc:
        logger.warning("drive lookup failed", extra={"provider_id": provider.provider_id, "reason": str(exc)})
        raise DriveLookupError("Microsoft Graph did not answer") from exc
    if answer.error:
        raise DriveLookupError(f"Microsoft Graph answered {answer.error}")
    drive_id, drive_type = answer.body.get("id"), answer.body.get("driveType")
    if not isinstance(drive_id, str) or not _DRIVE_ID.match(drive_id):
        raise DriveLookupError("Microsoft Graph gave no drive id")
    return Drive(drive_id, drive_type if drive_type in DRIVE_TYPES else None)
