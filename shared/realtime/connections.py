"""The connection records behind $connect and $disconnect."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from pynamodb.exceptions import DeleteError, UpdateError

from shared.constants import WS_CONNECTION_MAX_SECONDS
from shared.db import delete_all
from shared.logs import logger
from shared.models.base import epoch_seconds, utcnow
from shared.models.chat import Session
from shared.models.connections import Connection
from shared.settings import get_settings


def remember(
    connection_id: str,
    *,
    user_id: str | None = None,
    source_ip: str | None = None,
    user_agent: str | None = None,
) -> Connection:
    """Record an open connection; it expires when API Gateway would close it anyway."""
    ttl = min(get_settings().connection_ttl_seconds, WS_CONNECTION_MAX_SECONDS)
    connection = Connection(
        connection_id,
        user_id=user_id,
        connected_at=utcnow(),
        source_ip=source_ip,
        user_agent=(user_agent or "")[:512] or None,
        expires_at=timedelta(seconds=ttl),
    )
    connection.save()
    return connection


def forget(connection_id: str) -> None:
    try:
        following = Connection.get(connection_id).session_id
    except Connection.DoesNotExist:
        following = None
    if following:
        unfollow(following, connection_id)
    try:
        Connection(connection_id).delete()
    except DeleteError:
        logger.warning("could not delete the connection record", extra={"connection_id": connection_id})


def is_open(connection_id: str) -> bool:
    """True while the record exists and has not expired (TTL deletion lags by up to days)."""
    try:
        connection = Connection.get(connection_id)
    except Connection.DoesNotExist:
        return False
    return connection.expires_at is None or connection.expires_at.timestamp() > epoch_seconds()


def owner_of(connection_id: str) -> str | None:
    """The user a connection was opened by (checked at $connect)."""
    try:
        return Connection.get(connection_id).user_id
    except Connection.DoesNotExist:
        return None


def follow(connection_id: str, session_id: str) -> None:
    """Make the connection receive the events of a chat session (one session per connection)."""
    try:
        previous = Connection.get(connection_id).session_id
    except Connection.DoesNotExist:
        logger.info("a connection that is gone cannot follow a session", extra={"connection_id": connection_id})
        return
    if previous and previous != session_id:
        unfollow(previous, connection_id)
    Session(session_id).update(actions=[Session.followers.add({connection_id})])
    Connection(connection_id).update(actions=[Connection.session_id.set(session_id)])


def unfollow(session_id: str, connection_id: str) -> None:
    with contextlib.suppress(UpdateError):
        Session(session_id).update(
            actions=[Session.followers.delete({connection_id})], condition=Session.session_id.exists()
        )


def of_user(user_id: str) -> list[str]:
    """The ids of a user's recorded connections."""
    return [connection.connection_id for connection in Connection.by_user.query(user_id)]


def forget_all(connection_ids: list[str]) -> int:
    """Forget connections without unfollowing (their sessions are going too); returns how many."""
    return delete_all(Connection, [Connection(connection_id) for connection_id in connection_ids])
