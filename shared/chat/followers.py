"""Which connections receive a session's events: the session lists its followers, a connection follows one session.

The session's side (`followers`, read in the same write that numbers an event: shared.chat.events) is written
here; the connection's side is the connection record's (shared.realtime.connections). A follower whose
connection has gone is dropped when an event cannot reach it, or at once when its $disconnect arrives.
"""

from __future__ import annotations

import contextlib

from pynamodb.exceptions import UpdateError

from shared.logs import logger
from shared.models.chat import Session
from shared.realtime import connections


def follow(connection_id: str, session_id: str) -> None:
    """Make the connection receive the events of a chat session (one session per connection)."""
    previous = connections.following(connection_id)
    if not connections.set_following(connection_id, session_id):
        logger.info("a connection that is gone cannot follow a session", extra={"connection_id": connection_id})
        return
    if previous and previous != session_id:
        unfollow(previous, connection_id)
    Session(session_id).update(actions=[Session.followers.add({connection_id})])


def unfollow(session_id: str, connection_id: str) -> None:
    with contextlib.suppress(UpdateError):
        Session(session_id).update(
            actions=[Session.followers.delete({connection_id})], condition=Session.session_id.exists()
        )


def disconnect(connection_id: str) -> None:
    """$disconnect: the connection stops following its session, and its record goes."""
    following = connections.forget(connection_id)
    if following:
        unfollow(following, connection_id)
