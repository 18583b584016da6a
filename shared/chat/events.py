"""The event stream of a session: every event numbered (`seq`), logged with a TTL, then sent to its followers.

Numbers come from an atomic counter on the session, so they strictly increase however many writers there
are (the API accepting a message, the runner streaming the answer). A client that reconnects asks for the
events after the last `seq` it saw and gets them from the log; it ignores any `seq` it already has, so
every event is shown exactly once.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from shared.models import Session, SessionEvent
from shared.models.base import utcnow
from shared.realtime import connections
from shared.realtime.publisher import post_event
from shared.settings import get_settings

REPLAY_PAGE = 200
# A client that (re)connects during a long turn starts receiving live events within this long.
CONNECTIONS_REFRESH_SECONDS = 1.0


def _allocate(session_id: str, count: int = 1) -> int:
    """Reserve `count` sequence numbers; returns the first."""
    session = Session(session_id)
    session.update(actions=[Session.last_seq.add(count)])
    return int(session.last_seq) - count + 1


class SessionStream:
    """Publishes the events of one session to the connections following it (chat.send, session.resume)."""

    def __init__(self, session_id: str, user_id: str) -> None:
        self.session_id = session_id
        self.user_id = user_id
        self._connections: list[str] | None = None
        self._looked_up_at = 0.0

    def connections(self) -> list[str]:
        if self._connections is None or time.monotonic() - self._looked_up_at > CONNECTIONS_REFRESH_SECONDS:
            self._connections = connections.followers(self.session_id)
            self._looked_up_at = time.monotonic()
        return self._connections

    def refresh_connections(self) -> None:
        self._connections = None

    def publish(self, event: dict[str, Any]) -> dict[str, Any]:
        """Number, log and send one event; returns it with its `seq` and `sessionId`."""
        event = {**event, "sessionId": self.session_id, "seq": _allocate(self.session_id)}
        ttl = timedelta(seconds=get_settings().event_log_ttl_seconds)
        SessionEvent(self.session_id, event["seq"], event=event, expires_at=utcnow() + ttl).save()
        gone = [cid for cid in self.connections() if not post_event(cid, event)]
        if gone and self._connections is not None:
            self._connections = [cid for cid in self._connections if cid not in gone]
        return event


def replay(session_id: str, after_seq: int, connection_id: str, *, limit: int = 10_000) -> int:
    """Send a connection every logged event of the session after `after_seq`, in order; returns how many."""
    sent = 0
    for record in SessionEvent.query(session_id, SessionEvent.seq > after_seq, page_size=REPLAY_PAGE):
        if sent >= limit or not post_event(connection_id, record.event):
            break
        sent += 1
    return sent
