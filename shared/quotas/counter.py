"""Uses counted in fixed windows of the clock (an hour: 14:00-15:00 UTC), one conditional write per use.

Each window is its own counter in the `rate_limits` table, keyed "<subject>#<window start>", so counting never
has to start a window or reset one: the first use of a window creates its counter, a later one adds to it.

    use ── UpdateItem ADD hits 1, if the counter does not exist or its hits < limit ──▶ counted (hits after it)
     │ condition failed: the window already holds `limit` uses; nothing was written
     ▼
    refused: the caller says which limit and when the window ends

However many requests race, at most `limit` of them are counted in a window, and a refused one counts nowhere.
The limit is read at each use, so an administrator's change applies to the current window at once. Rows expire
(TTL) a day after their window: housekeeping only, a past window is never read again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from shared.db import condition_failed
from shared.models.accounts import RateLimit
from shared.models.base import utcnow
from shared.models.fields import composite

KEEP_AFTER_WINDOW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Window:
    """One fixed window of the clock and what happened to the use asked for in it."""

    start: datetime
    end: datetime
    counted: bool  # False: the window was full and the use was refused
    seconds_left: int  # whole seconds until the window ends, at least 1 (what Retry-After says)
    hits: int = 0  # the window's uses with this one, when it was counted


# Named condition: the state a use starts from.
def _window_has_room(limit: int) -> Any:
    return RateLimit.bucket.does_not_exist() | (RateLimit.hits < limit)


def window_at(moment: datetime, length: timedelta) -> tuple[datetime, datetime]:
    """The fixed window of `length` (a divisor of a day) that holds `moment`: (start, end) in UTC."""
    seconds = int(length.total_seconds())
    start = datetime.fromtimestamp(int(moment.timestamp()) // seconds * seconds, UTC)
    return start, start + length


def take(subject: str, *, limit: int, length: timedelta) -> Window:
    """Count one use of `subject` in the current window of `length`, unless it already holds `limit` uses."""
    now = utcnow()
    start, end = window_at(now, length)
    seconds_left = max(1, math.ceil((end - now).total_seconds()))
    counter = RateLimit(composite(subject, f"{start:%Y%m%dT%H%M%SZ}"))
    try:
        counter.update(
            actions=[
                RateLimit.hits.add(1),
                RateLimit.window_start.set(start),
                RateLimit.expires_at.set(end + KEEP_AFTER_WINDOW),
            ],
            condition=_window_has_room(limit),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return Window(start, end, counted=False, seconds_left=seconds_left)
        raise
    return Window(start, end, counted=True, seconds_left=seconds_left, hits=int(counter.hits or 0))


def give_back(subject: str, window: Window) -> None:
    """Uncount one use counted in `window` (one that turned out not to be allowed after all)."""
    RateLimit(composite(subject, f"{window.start:%Y%m%dT%H%M%SZ}")).update(
        actions=[RateLimit.hits.add(-1)], condition=RateLimit.hits > 0
    )
