"""Connections: an account on a drive, reached through a provider (`cloud_connections`).

    create (onedrive, sharepoint, gdrive)          create (webdav, s3: the credential sealed beside it)
        │                                               │
        ▼                                               ▼
    pending ──── OAuth callback with tokens ────► authorized ◄── OAuth callback with tokens (reconnect)
      │  denial, a bad or expired state,               │                                    │
      │  OneDrive naming no drive:                     └── refresh refused (invalid_grant) ─► error
      └─ stays, `last_error` says why

The callback of a OneDrive provider without a drive id also keeps the signed-in person's drive (`drive_id`,
`drive_type`, from Microsoft Graph) on the connection, in the same write that authorizes it.

Every state change is a conditional write named below. Administrators create and delete connections (workflow 9);
a connection belongs to whoever created it, and deleting it takes its credential and its mounts with it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared import crypto
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.db import condition_failed, delete_all, transaction
from shared.drives import credentials, providers
from shared.drives.errors import REAUTHORIZE
from shared.drives.graph import Drive
from shared.drives.schemas import OAUTH_TYPES, ConnectionIn
from shared.drives.views import Connection
from shared.errors import NotFoundError, ValidationError
from shared.files import generations
from shared.models.base import utcnow
from shared.models.cloud import CloudConnection, CloudCredential, CloudMount, ConnectionStatus
from shared.models.fields import SealedSecret

HINT_LENGTH = 4
# The credential each kind of provider takes with a connection: (field, its name in the sealed JSON).
_CREDENTIAL_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "webdav": (("username", "username"), ("password", "password")),
    "s3": (("access_key_id", "access_key_id"), ("secret_access_key", "secret_access_key")),
}
_ALL_CREDENTIAL_FIELDS = ("username", "password", "access_key_id", "secret_access_key")


def list_for(caller: Principal) -> list[Connection]:
    """Administrators: every connection, with its owner's name; anyone else: their own."""
    if caller.is_admin:
        rows = [row for provider in providers.list_all() for row in _of_provider(provider.provider_id)]
    else:
        rows = list(CloudConnection.by_user.query(caller.user_id))
    names = _names({row.user_id for row in rows})
    found = {row.provider_id: providers.row(row.provider_id) for row in rows}
    views = [Connection.of(row, found[row.provider_id], names.get(row.user_id)) for row in rows]
    return sorted(views, key=lambda view: view.created_at)


def create(caller: Principal, body: ConnectionIn) -> Connection:
    """A connection through `body.provider_id`: pending for OAuth kinds, authorized with its credential otherwise."""
    provider = providers.existing(body.provider_id)
    kind = provider.provider_type
    wanted = {field for field, _ in _CREDENTIAL_FIELDS.get(kind, ())}
    given = {name for name in _ALL_CREDENTIAL_FIELDS if getattr(body, name) is not None}
    if given - wanted:
        extra = ", ".join(sorted(given - wanted))
        how = "signs in with OAuth after it is created" if kind in OAUTH_TYPES else "takes other credentials"
        raise ValidationError(f"A {kind} connection {how}: drop {extra}.", code="invalid_request")
    if wanted - given:
        raise ValidationError(f"A {kind} connection needs {', '.join(sorted(wanted))}.", code="invalid_request")
    row = CloudConnection(
        uuid.uuid4().hex, provider_id=provider.provider_id, user_id=caller.user_id, display_name=body.display_name
    )
    if kind in OAUTH_TYPES:
        row.save(condition=CloudConnection.connection_id.does_not_exist())
        return Connection.of(row, provider, caller.account.username)
    secret = {key: str(getattr(body, field)) for field, key in _CREDENTIAL_FIELDS[kind]}
    last = secret["password" if kind == "webdav" else "secret_access_key"]
    row.status = ConnectionStatus.AUTHORIZED.value
    row.credential_hint = last[-HINT_LENGTH:] if len(last) > 2 * HINT_LENGTH else None
    credential = credentials.new_row(row.connection_id, caller.user_id, secret)
    with transaction() as tx:  # never a connection without its credential, nor the reverse
        tx.save(credential, condition=CloudCredential.connection_id.does_not_exist())
        tx.save(row, condition=CloudConnection.connection_id.does_not_exist())
    return Connection.of(row, provider, caller.account.username)


def remove(caller: Principal, connection_id: str) -> None:
    """Delete a connection with its credential and every mount that uses it (the synced copies stay as files)."""
    _delete(reachable(caller, connection_id))


def delete_for_user(user_id: str) -> int:
    """A user's connections, with their credentials and every mount that uses them."""
    rows = list(CloudConnection.by_user.query(user_id))
    for row in rows:
        _delete(row)
    return len(rows)


def row(connection_id: str) -> CloudConnection | None:
    try:
        return CloudConnection.get(connection_id, consistent_read=True)
    except DoesNotExist:
        return None


def reachable(caller: Principal, connection_id: str) -> CloudConnection:
    """The connection if the caller owns it or administers; "not found" otherwise."""
    found = row(connection_id)
    if found is None or (found.user_id != caller.user_id and not caller.is_admin):
        raise NotFoundError("There is no such drive connection.", code="connection_not_found")
    return found


def rows(connection_ids: set[str]) -> dict[str, CloudConnection]:
    return {found.connection_id: found for found in CloudConnection.batch_get(list(connection_ids))}


# Named state changes: each is an update conditional on the state it starts from.
def begin_oauth(connection_id: str, state_hash: str, expires_at: datetime, verifier: SealedSecret) -> None:
    """Remember the state a sign-in was started with (replacing an earlier one: a single popup at a time)."""
    _update(
        connection_id,
        [
            CloudConnection.oauth_state_hash.set(state_hash),
            CloudConnection.oauth_state_expires_at.set(expires_at),
            CloudConnection.oauth_verifier.set(verifier),
        ],
        CloudConnection.connection_id.exists(),
    )


def find_by_state(state_hash: str) -> CloudConnection | None:
    """The connection waiting for this state (the index holds only waiting ones), read strongly."""
    for key in CloudConnection.by_oauth_state.query(state_hash, limit=1):
        found = row(key.connection_id)
        if found is not None and found.oauth_state_hash == state_hash:
            return found
    return None


def claim_state(connection_id: str, state_hash: str) -> bool:
    """Take the state out of the connection, once: a second callback with it finds nothing."""
    return _update(
        connection_id,
        [
            CloudConnection.oauth_state_hash.remove(),
            CloudConnection.oauth_state_expires_at.remove(),
            CloudConnection.oauth_verifier.remove(),
        ],
        CloudConnection.oauth_state_hash == state_hash,
    )


def mark_authorized(connection_id: str, drive: Drive | None = None) -> None:
    """→ authorized, with the drive the sign-in opened when it was looked up (OneDrive without a provider drive)."""
    actions = [CloudConnection.status.set(ConnectionStatus.AUTHORIZED.value), CloudConnection.last_error.remove()]
    if drive is not None:
        actions.append(CloudConnection.drive_id.set(drive.drive_id))
        drive_type = CloudConnection.drive_type
        actions.append(drive_type.set(drive.drive_type) if drive.drive_type else drive_type.remove())
    _update(connection_id, actions, CloudConnection.connection_id.exists())


def record_failure(connection_id: str, reason: str) -> None:
    """Say why a sign-in did not complete; the status stays what it was (pending stays pending)."""
    _update(connection_id, [CloudConnection.last_error.set(reason)], CloudConnection.connection_id.exists())


def mark_refused(connection_id: str) -> None:
    """authorized → error: the drive refused the saved sign-in, a person must reconnect."""
    _update(
        connection_id,
        [CloudConnection.status.set(ConnectionStatus.ERROR.value), CloudConnection.last_error.set(REAUTHORIZE)],
        CloudConnection.status == ConnectionStatus.AUTHORIZED.value,
    )


def _update(connection_id: str, actions: list[Any], condition: Any) -> bool:
    try:
        CloudConnection(connection_id).update(
            actions=[*actions, CloudConnection.updated_at.set(utcnow())], condition=condition
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _delete(connection: CloudConnection) -> None:
    mounts = list(CloudMount.by_connection.query(connection.connection_id))
    for project_id in {mount.project_id for mount in mounts}:  # before the change (shared.drives.mounts.moved)
        generations.invalidate(generations.mounts_key(project_id))
    delete_all(CloudMount, mounts)
    delete_all(CloudCredential, [CloudCredential(connection.connection_id)])
    delete_all(CloudConnection, [connection])


def _of_provider(provider_id: str) -> list[CloudConnection]:
    keys = [key.connection_id for key in CloudConnection.by_provider.query(provider_id)]
    return list(rows(set(keys)).values()) if keys else []


def _names(user_ids: set[str]) -> dict[str, str]:
    accounts = {user_id: users.get(user_id) for user_id in user_ids}
    return {user_id: account.username for user_id, account in accounts.items() if account is not None}


def unseal_verifier(row: CloudConnection) -> str | None:
    if row.oauth_verifier is None:
        return None
    return crypto.unseal(row.oauth_verifier, context=verifier_context(row.connection_id))


def verifier_context(connection_id: str) -> dict[str, str]:
    return {"purpose": "drive-pkce", "connection": connection_id}
