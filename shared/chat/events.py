"""The event stream of a session: every event numbered (`seq`), logged with a TTL, then sent to its followers.

Numbers come from an atomic counter on the session, so they strictly increase however many writers there
are (the API accepting a message, the runner streaming the answer). A client that reconnects asks for the
events after the last `seq` it saw and gets them from the log; it ignores any `seq` it already has, so
every event is shown exactly once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.chat import followers
from shared.models.base import utcnow
from shared.models.chat import Session, SessionEvent
from shared.realtime.publisher import post_event
from shared.settings import get_settings

REPLAY_PAGE = 200


def _allocate(session_id: str) -> tuple[int, set[str]]:
    """Reserve the next sequence number; returns it with the session's followers at that moment."""
    session = Session(session_id)
    session.update(actions=[Session.last_seq.add(1)])
    return int(session.last_seq), set(session.followers or ())


class SessionStream:
    """Publishes the events of one session to the connections following it (chat.send, session.resume)."""

    def __init__(self, session_id: str, user_id: str) -> None:
        self.session_id = session_id
        self.user_id = user_id

    def publish(self, event: dict[str, Any]) -> dict[str, Any]:
        """Number, log and send one event; returns it with its `seq` and `sessionId`."""
        seq, following = _allocate(self.session_id)
        event = {**event, "sessionId": self.session_id, "seq": seq}
        ttl = timedelta(seconds=get_settings().event_log_ttl_seconds)
        SessionEvent(self.session_id, seq, event=event, expires_at=utcnow() + ttl).save()
        for connection_id in following:
            if not post_event(connection_id, event):
                followers.unfollow(self.session_id, connection_id)
        return event


def replay(session_id: str, after_seq: int, connection_id: str, *, limit: int = 10_000) -> int:
    """Send a connection every logged event of the session after `after_seq`, in order; returns how many."""
    sent = 0
    for record in SessionEvent.query(session_id, SessionEvent.seq > after_seq, page_size=REPLAY_PAGE):
        if sent >= limit or not post_event(connection_id, record.event):
            break
        sent += 1
    return sent
