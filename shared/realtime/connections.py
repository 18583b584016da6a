"""The connection records behind $connect and $disconnect, and the chat session each connection follows.

The `connections` table is this module's; the session's list of its followers is the chat domain's
(shared.chat.followers), which asks here which session a connection follows.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import DeleteError, UpdateError

from shared.concurrency import then
from shared.constants import WS_CONNECTION_MAX_SECONDS
from shared.db import Reads, condition_failed, delete_all
from shared.kept import Kept
from shared.logs import logger
from shared.models.base import epoch_seconds, on_bind, utcnow
from shared.models.connections import Connection
from shared.settings import get_settings


@dataclass(frozen=True, slots=True)
class Identity:
    """Who opened a connection, and how they proved it at $connect (a session token's version, or a key)."""

    user_id: str
    token_version: int | None = None
    api_key_id: str | None = None


def remember(
    connection_id: str,
    *,
    user_id: str | None = None,
    source_ip: str | None = None,
    user_agent: str | None = None,
    token_version: int | None = None,
    api_key_id: str | None = None,
) -> None:
    """Record an open connection; it expires when API Gateway would close it anyway."""
    ttl = min(get_settings().connection_ttl_seconds, WS_CONNECTION_MAX_SECONDS)
    Connection(
        connection_id,
        user_id=user_id,
        connected_at=utcnow(),
        source_ip=source_ip,
        user_agent=(user_agent or "")[:512] or None,
        token_version=token_version,
        api_key_id=api_key_id,
        expires_at=timedelta(seconds=ttl),
    ).save()


def identity_of(connection_id: str) -> Identity | None:
    """Who opened the connection (checked at $connect); None when it is gone or was never signed in."""
    try:
        row = Connection.get(connection_id)
    except Connection.DoesNotExist:
        return None
    if not row.user_id:
        return None
    version = None if row.token_version is None else int(row.token_version)
    return Identity(row.user_id, version, row.api_key_id)


# Who opened a connection never changes (only the session it follows does), and only the open connection itself
# sends under its id: once read, it is kept for the connection's longest life, so an action reads no record of its
# connection (chat.send reads the session it follows with its other reads: `following_in`).
_IDENTITIES = Kept[str, Identity](entries=10_000)
on_bind(_IDENTITIES.clear)


def caller(connection_id: str) -> Identity | None:
    """`identity_of`, read once per connection in a process (None, never kept: gone, or never signed in)."""
    kept = _IDENTITIES.get(connection_id, within=WS_CONNECTION_MAX_SECONDS)
    if kept is not None:
        return kept
    identity = identity_of(connection_id)
    if identity is not None:
        _IDENTITIES.put(connection_id, identity)
    return identity


def following_in(reads: Reads, connection_id: str) -> Future[str | None]:
    """`following`, read with others (shared.db.Reads)."""
    return then(reads.get(Connection, connection_id), lambda row: row.session_id if row is not None else None)


def forget(connection_id: str) -> str | None:
    """Delete a connection's record; returns the chat session it followed, if any."""
    followed = following(connection_id)
    _IDENTITIES.pop(connection_id)
    try:
        Connection(connection_id).delete()
    except DeleteError:
        logger.warning("could not delete the connection record", extra={"connection_id": connection_id})
    return followed


def is_open(connection_id: str) -> bool:
    """True while the record exists and has not expired (TTL deletion lags by up to days)."""
    try:
        connection = Connection.get(connection_id)
    except Connection.DoesNotExist:
        return False
    return connection.expires_at is None or connection.expires_at.timestamp() > epoch_seconds()


def following(connection_id: str) -> str | None:
    """The chat session the connection follows; None when it follows none, or is gone."""
    try:
        return Connection.get(connection_id).session_id
    except Connection.DoesNotExist:
        return None


def set_following(connection_id: str, session_id: str) -> bool:
    """Record the one session the connection follows; False when the connection is gone."""
    try:
        Connection(connection_id).update(
            actions=[Connection.session_id.set(session_id)], condition=Connection.connection_id.exists()
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def of_user(user_id: str) -> list[str]:
    """The ids of a user's recorded connections."""
    return [connection.connection_id for connection in Connection.by_user.query(user_id)]


def forget_all(connection_ids: list[str]) -> int:
    """Forget connections without unfollowing (their sessions are going too); returns how many."""
    for connection_id in connection_ids:
        _IDENTITIES.pop(connection_id)
    return delete_all(Connection, [Connection(connection_id) for connection_id in connection_ids])
