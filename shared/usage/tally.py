"""The model gateway's usage recorder: each call's event and tokens at once, the dashboard's sums a turn at a time.

    tally(usage) ── events.write: PutItem usage event, ADD to the user's tokens of the day     at once, every call
                 └─ held: what the call adds to the aggregates
    flush()      ── aggregates.add(all that is held): one UpdateItem per item the held calls touch, then the boards
                    of the top sessions          at the end of every turn (the gateway's flush(token=...)), and
                                                 FLUSH_SECONDS after a call is held, so a long turn shows too

A turn of N calls of one session, kind and model costs one set of aggregate writes (12) instead of N sets, and
the calls of turns running together share the organization's items. Budgets are not held back: the gateway's
other recorder (shared.budgets.spend) counts each call as it ends, so a budget at 100 % blocks the next call;
nor are the daily token counts the quota reads.

What is held is lost if the process dies before a flush: the events stay (the record to rebuild a day from) and
the dashboard misses those calls. An item that cannot be written is logged with what it lacks (aggregates.add).
"""

from __future__ import annotations

import threading

from shared.usage import aggregates
from shared.usage.events import ModelUsage, write
from shared.usage.layout import Event

FLUSH_SECONDS = 5.0


class Tally:
    """A recorder (callable with each call's usage) that holds the aggregates until `flush`."""

    def __init__(self, *, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._flush_seconds = flush_seconds
        self._held: list[Event] = []
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()  # _held and _timer
        self._flushing = threading.Lock()  # a flush returns once all that was held when it was called is added

    def __call__(self, usage: ModelUsage) -> None:
        event = write(usage)  # raises if the event cannot be written: nothing is held for it
        with self._lock:
            self._held.append(event)
            if self._timer is None:
                self._timer = threading.Timer(self._flush_seconds, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> aggregates.Added:
        """Add everything held to the aggregates; what this flush wrote."""
        with self._flushing:
            with self._lock:
                held, self._held = self._held, []
                timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()
            return aggregates.add(held) if held else aggregates.Added()

    def close(self) -> None:
        self.flush()
