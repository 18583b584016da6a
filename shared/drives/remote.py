"""What the runner needs to sync a mount: the mount, and its drive as a `DriveAccess` with secrets opened.

An OAuth token that expires within `min_validity` (5 minutes unless the runner asks for longer: a sync should not
outlive its token) is refreshed first:

    read credential (version v) ── fresh enough ──────────────────────────────────────► use it
        │ expiring
        ▼
    POST refresh_token ─ network, timeout, 5xx ─► DriveUnavailableError (retryable; nothing changed)
        │ answer
        ├─ refused, but the credential moved past v ─► another runner refreshed (and spent our refresh token):
        │  (looked for during ~2 s)                    reload, use the winner's
        ├─ invalid_grant ─► connection → error, "reconnect it" (DriveAuthorizationError, never retried)
        ▼ new tokens
    save if version is still v ── lost the race ──► reload, use the winner's tokens (ours are dropped)
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from shared.drives import connections, credentials, oauth, providers, syncs
from shared.drives.access import DriveAccess, DriveKind, OAuthToken
from shared.drives.errors import (
    ConnectionNotAuthorizedError,
    DriveAuthorizationError,
    DriveUnavailableError,
    MountGoneError,
)
from shared.drives.token_endpoint import TokenEndpointError
from shared.drives.views import Mount
from shared.logs import logger
from shared.models.cloud import CloudConnection, CloudProvider, ConnectionStatus

REFRESH_AHEAD = timedelta(minutes=5)
_ROUNDS = 3  # a refresh, and a reload after losing a race, with room to spare
RACE_PAUSES = (0.2, 0.5, 1.0)  # seconds between looks for a concurrent refresh's tokens, after a refusal


def access_for_mount(mount_id: str, *, min_validity: timedelta = REFRESH_AHEAD) -> tuple[Mount, DriveAccess]:
    """The mount and its drive, ready for rclone; the runner keeps it for one job, never stores or logs it."""
    mount = syncs.row(mount_id)
    connection = connections.row(mount.connection_id)
    if connection is None:
        raise MountGoneError("The mount's drive connection was deleted.")
    provider = providers.row(connection.provider_id)
    if provider is None:
        raise ConnectionNotAuthorizedError("The drive provider of this mount was deleted.")
    if connection.status != ConnectionStatus.AUTHORIZED.value:
        raise ConnectionNotAuthorizedError(connection.last_error or "The drive connection is not signed in yet.")
    view = Mount.of(mount, connection, provider)
    kind = DriveKind(provider.provider_type)
    if kind.uses_oauth:
        return view, _oauth_access(kind, provider, connection, fresh_token(connection, provider, min_validity))
    stored = credentials.read(connection.connection_id)
    if stored is None:
        raise ConnectionNotAuthorizedError("The drive connection has no saved credential; create it again.")
    secret = stored.secret
    if kind == DriveKind.WEBDAV:
        return view, DriveAccess(kind, url=provider.url, username=secret["username"], password=secret["password"])
    return view, DriveAccess(
        kind,
        endpoint=provider.endpoint,
        region=provider.region,
        bucket=provider.bucket,
        access_key_id=secret["access_key_id"],
        secret_access_key=secret["secret_access_key"],
    )


def fresh_token(
    connection: CloudConnection, provider: CloudProvider, min_validity: timedelta = REFRESH_AHEAD
) -> OAuthToken:
    """The connection's token, refreshed when it expires within `min_validity` (see the module's diagram)."""
    connection_id = connection.connection_id
    stored = credentials.read(connection_id)
    for _ in range(_ROUNDS):
        if stored is None:
            raise ConnectionNotAuthorizedError("The drive connection has no saved sign-in; reconnect it.")
        token = stored.token()
        if not _expiring(token, min_validity):
            return token
        if not token.refresh_token:
            connections.mark_refused(connection_id)
            raise DriveAuthorizationError()
        try:
            answer = oauth.refresh_grant(provider, token.refresh_token)
        except TokenEndpointError as exc:
            logger.warning("drive token refresh failed", extra={"connection_id": connection_id, "reason": str(exc)})
            raise DriveUnavailableError(oauth.UNREACHABLE) from exc
        if answer.error or not isinstance(answer.body.get("access_token"), str):
            latest = _moved_past(connection_id, stored.version)
            if latest is not None:
                stored = latest  # someone refreshed first (spending our refresh token): theirs are the good ones
                continue
            if answer.error == "invalid_grant":
                connections.mark_refused(connection_id)
                raise DriveAuthorizationError()
            raise DriveAuthorizationError(f"The drive refused to refresh the sign-in ({answer.error}).")
        renewed = oauth.tokens_of(answer, stored.secret)
        if credentials.replace_if_unchanged(stored, connection.user_id, renewed):
            return credentials.Stored(connection_id, renewed, None).token()
        stored = credentials.read(connection_id)  # lost the race: the winner's tokens, fresh
    raise DriveUnavailableError("The drive's sign-in kept changing while it was refreshed; try again.")


def store_refreshed_token(mount_id: str, token: OAuthToken) -> bool:
    """Keep a token rclone refreshed during a job (it may carry a rotated refresh token), unless a newer one is stored.

    Newest wins: the stored token is replaced only by one that expires later, with the version check (a conflict
    reads again and decides again). True when it was stored.
    """
    connection = connections.row(syncs.row(mount_id).connection_id)
    if connection is None or not token.access_token or not token.expires_at:
        return False
    for _ in range(_ROUNDS):
        stored = credentials.read(connection.connection_id)
        if stored is None:
            return False
        current = stored.token().expires_at
        if current and datetime.fromisoformat(current) >= datetime.fromisoformat(token.expires_at):
            return False
        renewed = {
            **stored.secret,
            "access_token": token.access_token,
            "refresh_token": token.refresh_token or stored.secret.get("refresh_token"),
            "expires_at": token.expires_at,
            "token_type": token.token_type,
        }
        if credentials.replace_if_unchanged(stored, connection.user_id, renewed):
            return True
    return False


def _moved_past(connection_id: str, version: int | None) -> credentials.Stored | None:
    """The credential if another refresh stored a newer one, waiting a moment for one being saved right now.

    With strict rotation the drive refuses the second use of a refresh token at once, possibly before the runner
    that used it first has saved what it got; a refusal is believed only once that runner had time to save.
    """
    for pause in (0.0, *RACE_PAUSES):
        time.sleep(pause)
        latest = credentials.read(connection_id)
        if latest is not None and latest.version != version:
            return latest
    return None


def _expiring(token: OAuthToken, min_validity: timedelta) -> bool:
    if not token.expires_at:
        return False  # the drive gave no lifetime: use the token until it is refused
    return datetime.fromisoformat(token.expires_at) <= datetime.now(UTC) + min_validity


def _oauth_access(
    kind: DriveKind, provider: CloudProvider, connection: CloudConnection, token: OAuthToken
) -> DriveAccess:
    """The provider's drive when an admin named one (shared by everyone), else the one the sign-in opened."""
    drive_id, drive_type = provider.drive_id, None
    if not drive_id:
        drive_id, drive_type = connection.drive_id, connection.drive_type
    extra = {}
    if kind == DriveKind.SHAREPOINT:
        extra["drive_type"] = "documentLibrary"
    elif kind == DriveKind.ONEDRIVE:
        extra["drive_type"] = drive_type or ("business" if provider.tenant_id else "personal")
    return DriveAccess(
        kind,
        client_id=provider.client_id,
        client_secret=providers.client_secret(provider),
        token=token,
        token_url=oauth.token_url_of(provider),
        authorize_url=oauth.authorize_url_of(provider),
        tenant_id=provider.tenant_id,
        drive_id=drive_id,
        extra=extra,
    )
