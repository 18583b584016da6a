"""Usage rows on their way to the recorder, off the relay path, and waiting for them at a job's end.

Every forwarded request is counted open when it starts and closed once its usage row is written (or it turned
out to have none), so `wait` also covers a request whose client just went away and whose row is not yet known.
A recorder that holds rows back (shared.usage.Tally: the aggregates of a turn's calls, added together) has its
`flush()` called once `wait` is done, and at shutdown.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Protocol, runtime_checkable

from shared.logs import logger
from shared.usage import ModelUsage

Recorder = Callable[[ModelUsage], object]


@runtime_checkable
class Holding(Protocol):
    """A recorder that holds what it was given until `flush` (shared.usage.Tally)."""

    def flush(self) -> object: ...


_WRITERS = 4  # usage rows written at once (DynamoDB puts are independent)


class Ledger:
    def __init__(self, recorders: Recorder | Sequence[Recorder]) -> None:
        self._recorders = tuple(recorders) if isinstance(recorders, Sequence) else (recorders,)
        self._open: Counter[str] = Counter()  # per token: requests started whose row is not yet settled
        self._changed = threading.Condition()
        self._writers = ThreadPoolExecutor(max_workers=_WRITERS, thread_name_prefix="gateway-usage")

    def open(self, token: str) -> None:
        with self._changed:
            self._open[token] += 1

    def close(self, token: str, usage: ModelUsage | None) -> None:
        """Settle one request: hand its row to a writer thread, or close it at once if it has none."""
        if usage is None:
            self._settled(token)
        else:
            self._writers.submit(self._write, token, usage)

    def wait(self, token: str | None = None, *, timeout: float) -> bool:
        """Block until every request (of `token`, or of all tokens) is settled, then flush the recorders that hold
        rows back; False if `timeout` passed first (what was settled is flushed all the same)."""
        with self._changed:
            settled = self._changed.wait_for(lambda: not (self._open[token] if token else self._open), timeout=timeout)
        self._flush()
        return settled

    def shutdown(self) -> None:
        self._writers.shutdown(wait=False)
        self._flush()

    def _flush(self) -> None:
        for recorder in self._recorders:
            if isinstance(recorder, Holding):
                try:
                    recorder.flush()
                except Exception:
                    logger.exception("could not flush a usage recorder")

    def _write(self, token: str, usage: ModelUsage) -> None:
        try:
            for recorder in self._recorders:  # each on its own: a failed usage event still counts to budgets
                try:
                    recorder(usage)
                except Exception:
                    # The row is logged whole (it holds no secret), so a lost write can still be accounted for.
                    logger.exception("could not record a model call's usage", extra={"usage": asdict(usage)})
        finally:
            self._settled(token)

    def _settled(self, token: str) -> None:
        with self._changed:
            self._open[token] -= 1
            if self._open[token] <= 0:
                del self._open[token]
            self._changed.notify_all()
