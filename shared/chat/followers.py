"""Which connections receive a session's events: the session lists its followers, a connection follows one session.

The session's side (`followers`, read in the same write that numbers an event, or by a turn's stream after each
batch it logs: shared.chat.events, shared.chat.stream) is written here, before the connection's side, the
connection record's (shared.realtime.connections). A follower whose connection has gone is dropped when an event
cannot reach it, or at once when its $disconnect arrives.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared.db import Reads
from shared.logs import logger
from shared.models.chat import Session
from shared.realtime import connections


def follow(connection_id: str, session_id: str) -> bool:
    """Make the connection receive the events of a chat session (one session per connection); returns whether a
    runner turn streams to the session (its events may still fill a gap: shared.chat.stream)."""
    previous = connections.following(connection_id)
    if previous == session_id:  # a follower already (every chat.send, every replay): nothing to write
        return streaming(session_id)
    # The session's side first, so a connection recorded as following is always among the session's followers.
    session = Session(session_id)
    session.update(actions=[Session.followers.add({connection_id})])
    return joined(connection_id, session_id, previous) and session.streaming is not None


def joined(connection_id: str, session_id: str, previous: str | None) -> bool:
    """The connection's side of following, once the session lists it (here, or in the caller's own write of the
    session: shared.chat.sessions.next_turn); it stops following `previous`. False when the connection is gone."""
    if not connections.set_following(connection_id, session_id):
        logger.info("a connection that is gone cannot follow a session", extra={"connection_id": connection_id})
        unfollow(session_id, connection_id)
        return False
    if previous and previous != session_id:
        unfollow(previous, connection_id)
    return True


def following(connection_id: str) -> str | None:
    """The chat session the connection follows now (None: none, or the connection is gone)."""
    return connections.following(connection_id)


def following_in(reads: Reads, connection_id: str) -> Future[str | None]:
    """`following`, read with others (shared.db.Reads)."""
    return connections.following_in(reads, connection_id)


def streaming(session_id: str) -> bool:
    """Whether a runner turn streams to the session now."""
    try:
        session = Session.get(session_id, consistent_read=True, attributes_to_get=["streaming"])
    except DoesNotExist:
        return False
    return session.streaming is not None


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
