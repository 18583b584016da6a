"""The event stream of a session: every event numbered (`seq`), logged with a TTL, then sent to its followers.

Numbers come from an atomic counter on the session, so they strictly increase however many writers there
are (the API accepting a message, the runner streaming the answer). The API numbers its few events one by one
here (`SessionStream`); a runner turn takes its numbers in blocks and logs its events in batches
(shared.chat.stream), declaring the numbers it did not use with a `seq.skipped` event. A client that reconnects
asks for the events after the last `seq` it saw and gets them from the log; it ignores any `seq` it already
has, so every event is shown exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from shared.chat import followers
from shared.models.base import utcnow
from shared.models.chat import Session, SessionEvent
from shared.realtime.publisher import post_event
from shared.settings import get_settings

REPLAY_PAGE = 200
SKIPPED = "seq.skipped"  # {seq, through}: no event of the session has a number from seq to through


def now_ms() -> int:
    return int(time.time() * 1000)


def log(session_id: str, events: Sequence[dict[str, Any]], published_at: Sequence[int]) -> None:
    """Write events (in seq order) as one log item, keyed by the last one's seq."""
    log_item(session_id, events, published_at).save()


def log_item(session_id: str, events: Sequence[dict[str, Any]], published_at: Sequence[int]) -> SessionEvent:
    """The log item of events (in seq order), not written yet: `log` writes it, or a batch with others."""
    ttl = timedelta(seconds=get_settings().event_log_ttl_seconds)
    return SessionEvent(
        session_id,
        events[-1]["seq"],
        events=[{key: value for key, value in event.items() if key != "sessionId"} for event in events],
        published_at=list(published_at),
        expires_at=utcnow() + ttl,
    )


def numbered(session_id: str, events: Sequence[dict[str, Any]], first_seq: int) -> list[dict[str, Any]]:
    """Events with their numbers from `first_seq` (numbers taken already) and their session's id."""
    return [{**event, "sessionId": session_id, "seq": first_seq + i} for i, event in enumerate(events)]


def deliver(session_id: str, connection_ids: Iterable[str], events: Sequence[dict[str, Any]]) -> set[str]:
    """Post the events, in order, to each connection; returns those that are gone (they stop following)."""
    gone = set()
    for connection_id in connection_ids:
        for event in events:
            if not post_event(connection_id, event):
                followers.unfollow(session_id, connection_id)
                gone.add(connection_id)
                break
    return gone


class SessionStream:
    """Publishes single events of a session to the connections following it (chat.send, session.resume)."""

    def __init__(self, session_id: str, user_id: str) -> None:
        self.session_id = session_id
        self.user_id = user_id

    def publish(self, event: dict[str, Any]) -> dict[str, Any]:
        """Number, log and send one event; returns it with its `seq` and `sessionId`."""
        session = Session(self.session_id)
        # The counter's new value comes with the followers, in one strongly consistent write: every event goes to
        # whoever followed before it was numbered.
        session.update(actions=[Session.last_seq.add(1)])
        [event] = announce(self.session_id, [event], int(session.last_seq), session.followers or ())
        return event


def announce(
    session_id: str, events: Sequence[dict[str, Any]], first_seq: int, following: Iterable[str]
) -> list[dict[str, Any]]:
    """Number events from `first_seq` (numbers taken already, with whoever followed then), log them as one item,
    then send them; returns them with `seq` and `sessionId`."""
    ready = numbered(session_id, events, first_seq)
    log(session_id, ready, [now_ms()] * len(ready))
    deliver(session_id, following, ready)
    return ready


def replay(session_id: str, after_seq: int, connection_id: str, *, limit: int = 10_000) -> int:
    """Send a connection every logged event of the session after `after_seq`, in order; returns how many.

    Strongly consistent: a batch logged before the read is found (the runner's stream relies on it).
    """
    sent = 0
    query = SessionEvent.query(session_id, SessionEvent.seq > after_seq, consistent_read=True, page_size=REPLAY_PAGE)
    for record in query:
        for event in record.events or ():  # an item logged before batches (one `event`) is passed over
            if event["seq"] <= after_seq:
                continue  # the start of a batch that straddles after_seq
            if sent >= limit or not post_event(connection_id, {**event, "sessionId": session_id}):
                return sent
            sent += 1
    return sent
