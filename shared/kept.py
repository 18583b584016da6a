"""What a process keeps of what it read, bounded: entries by key, each with when it was kept, emptied whole when
full (the callers keep a few thousand at most; a full one is a cold start's worth of reads, not a failure).

    _seen = Kept[str, Account | None](entries=1000)
    _seen.put(user_id, account)
    _seen.get(user_id, MISSING, within=5.0)   # MISSING when absent or kept more than 5 s ago

Safe to share between threads: each operation is one step on a dict.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class _Missing(enum.Enum):
    """What `Kept.get` answers for an entry it does not have, where None may be a kept value."""

    MISSING = "missing"


MISSING = _Missing.MISSING


class Kept(Generic[K, V]):
    """A bounded map of kept values (module docstring)."""

    def __init__(self, *, entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries = entries
        self._clock = clock
        self._kept: dict[K, tuple[float, V]] = {}

    def get(self, key: K, default: D = None, *, within: float | None = None) -> V | D:  # type: ignore[assignment]
        """The value kept for `key`, or `default` when there is none (or it was kept more than `within` s ago)."""
        kept = self._kept.get(key)
        if kept is None or (within is not None and self._clock() - kept[0] >= within):
            return default
        return kept[1]

    def put(self, key: K, value: V) -> None:
        if len(self._kept) >= self._entries:
            self._kept.clear()
        self._kept[key] = (self._clock(), value)

    def pop(self, key: K) -> None:
        self._kept.pop(key, None)

    def clear(self) -> None:
        self._kept.clear()
