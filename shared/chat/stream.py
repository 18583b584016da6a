"""A runner turn's event stream: numbers taken in blocks, the log written in batches, the followers read per batch.

Numbering and logging events one by one (shared.chat.events.SessionStream) costs two writes per event, and a turn
streams a few events a second for as long as it runs. A turn's stream instead

    takes a block of BLOCK numbers with one counter update (ADD last_seq), which also returns the followers and
        marks the session `streaming` (the first one also makes the turn's `on_open` updates: running);
    posts each event at once to the followers it knows;
    every FLUSH_SECONDS logs the events since the last write as one item (keyed by the last seq), THEN reads the
        followers: a connection that appeared since the last read is sent every event since that read (its replay
        may have read the log before they were in it); one that follows after this read finds them in the log.
        Clients drop a seq they already have.
    closes the block early when that read shows that someone else took a number after it (the API accepting a
        message while the turn runs: that event must not wait for the end of the turn): one `seq.skipped` event
        {seq, through} declares the numbers left. While nothing is published, the read comes at doubling
        intervals, up to QUIET_READ_SECONDS.
    on close: skips the rest of its block, logs and reads once more, clears `streaming` (with the `closing`
        updates: idle, and where the CLI's conversation stands), and only then sends the turn's last event (and the
        skip): a client that sees the turn end finds it whole in the log.

While `streaming` is set, session.resume says so: a number a client misses may still come (from the open block,
or in a batch not logged yet), so it waits for it instead of giving up (web/src/chat/sequencer.js). A runner that
dies mid-turn loses its last FLUSH_SECONDS of events from the log (live followers had them); the turn's recovery
(runner/jobs/chat.py) publishes through a stream of its own, whose close clears `streaming`, and clients then give
up on the lost numbers as on an expired log.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared.chat import events
from shared.logs import logger
from shared.models.chat import Session
from shared.settings import get_settings

BLOCK = 128  # numbers per counter update: a 500-word answer takes ~50
FLUSH_SECONDS = 1.0  # the longest an event waits to be logged, so the most a crash can lose from the log
QUIET_READ_SECONDS = 16.0  # while nothing is published, the followers are read at most this far apart


class TurnStream:
    """Publishes the events of one runner turn; close it (or use it as a context manager) when the turn ends."""

    def __init__(
        self,
        session_id: str,
        user_id: str,
        *,
        block: int = BLOCK,
        flush_seconds: float = FLUSH_SECONDS,
        on_open: Sequence[Any] = (),
    ):
        """`on_open`: updates of the session written with the stream's first numbers (the turn's start: one write
        where there were two); `closing` (set before close): updates written with its last, when it clears its mark
        (the turn's end)."""
        self.session_id, self.user_id = session_id, user_id
        self._on_open: list[Any] = list(on_open)
        self.closing: list[Any] = []
        self._block, self._flush_seconds = block, flush_seconds
        self._token = secrets.token_hex(8)  # whose `streaming` mark is on the session
        self._lock = threading.Lock()  # publish (the relay's thread) against the timer's flush
        self._next, self._end = 1, 0  # the block's unused numbers: _next.._end (none when _next > _end)
        self._opened = self._closed = False
        self._following: set[str] = set()  # the followers as of the last read
        self._since_read: list[dict[str, Any]] = []  # what a connection that followed since the read may lack
        self._unlogged: list[tuple[dict[str, Any], int]] = []  # events and when they were published (epoch ms)
        self._timer: threading.Timer | None = None
        self._quiet = flush_seconds  # the next read interval while nothing is published
        self._last_event = time.monotonic()

    def __enter__(self) -> TurnStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def publish(self, event: dict[str, Any]) -> dict[str, Any]:
        """Number one event, send it to the followers and keep it for the log; returns it with `seq` and
        `sessionId`."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the turn's stream is closed")
            if self._next > self._end:
                self._reserve()
            if not self._unlogged:
                self._quiet = self._flush_seconds
                self._arm(self._flush_seconds)
            return self._send(event)

    def close(self, last: dict[str, Any] | None = None) -> None:
        """End the stream, with the turn's last event if given. The numbers left are skipped, everything is logged
        and the `streaming` mark cleared before that event is sent: whoever sees a turn end finds it whole in the
        log, and the runner's work after it is as short as it was before batching."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if last is not None and self._next > self._end:
                self._reserve()
            if not self._opened:
                if self.closing:
                    Session(self.session_id).update(actions=self.closing)
                return
            held = [self._number(last)] if last is not None else []
            if self._next <= self._end:
                held.append(self._number({"type": events.SKIPPED, "through": self._end}))
            following = set(self._following)
            try:
                self._sync()  # a newcomer is sent everything since the last read, these included
            except Exception:  # the turn is recorded; its live followers had the rest
                logger.exception("could not log the last events of a turn")
            self._unmark()
            events.deliver(self.session_id, following & self._following, held)

    def _unmark(self) -> None:
        """Clear the `streaming` mark, with the `closing` updates; a later stream (the turn's recovery) may hold the
        mark now: then the updates alone."""
        try:
            Session(self.session_id).update(
                actions=[Session.streaming.remove(), *self.closing], condition=Session.streaming == self._token
            )
        except UpdateError:
            if self.closing:
                with contextlib.suppress(UpdateError):  # deleted meanwhile: nothing to update
                    Session(self.session_id).update(actions=self.closing, condition=Session.session_id.exists())

    def flush(self) -> None:
        """Log what is pending and bring new followers up to date now (the timer does it every FLUSH_SECONDS)."""
        with self._lock:
            if self._opened and not self._closed:
                self._flush()

    def _reserve(self) -> None:
        session = Session(self.session_id)
        session.update(actions=[Session.last_seq.add(self._block), Session.streaming.set(self._token), *self._on_open])
        self._on_open = []
        self._end = int(session.last_seq)
        self._next, self._opened = self._end - self._block + 1, True
        if not self._since_read:  # nothing was published since the last read: this read is as good as a flush's
            self._following = set(session.followers or ())

    def _send(self, event: dict[str, Any]) -> dict[str, Any]:
        event = self._number(event)
        self._following -= events.deliver(self.session_id, self._following, [event])
        return event

    def _number(self, event: dict[str, Any]) -> dict[str, Any]:
        """Give the event the next number (a skip, all the numbers left) and keep it for the log and newcomers."""
        event = {**event, "sessionId": self.session_id, "seq": self._next}
        self._next = event["through"] + 1 if event["type"] == events.SKIPPED else self._next + 1
        self._last_event = time.monotonic()
        self._since_read.append(event)
        self._unlogged.append((event, events.now_ms()))
        return event

    def _sync(self) -> int:
        """Log the unlogged events, then read the followers and send newcomers what they may lack; returns
        the session's last_seq."""
        if self._unlogged:
            events.log(self.session_id, [event for event, _ in self._unlogged], [at for _, at in self._unlogged])
            self._unlogged = []
        try:
            session = Session.get(self.session_id, consistent_read=True, attributes_to_get=["followers", "last_seq"])
        except DoesNotExist:
            session = Session(self.session_id)  # deleted during the turn: nobody follows it
        following = set(session.followers or ())
        following -= events.deliver(self.session_id, following - self._following, self._since_read)
        self._following, self._since_read = following, []
        return int(session.last_seq)

    def _tick(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self._flush()
            except Exception:
                logger.exception("could not log or deliver a turn's events; trying again")
                self._arm(self._flush_seconds)

    def _flush(self) -> None:
        """Log and read; close the block early if someone numbered after it; plan the next read."""
        last_seq = self._sync()
        if self._next > self._end:
            return  # the block is used up: the next event takes another
        if last_seq > self._end:
            self._send({"type": events.SKIPPED, "through": self._end})
            self._arm(self._flush_seconds)
        elif time.monotonic() - self._last_event < get_settings().chat_turn_timeout_seconds:  # else never closed
            self._arm(self._quiet)
            self._quiet = min(self._quiet * 2, QUIET_READ_SECONDS)

    def _arm(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(delay, self._tick)
        self._timer.daemon = True
        self._timer.start()
