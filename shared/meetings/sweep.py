"""The tick's part: a meeting left capturing with no segment for AUTO_STOP_AFTER is stopped, "automatically".

A browser tab closed mid-meeting never sends its stop. The sparse `capturing-by-last-segment` index holds only
meetings still capturing, so the tick reads exactly the silent ones; each stop is conditional on its last segment
being as old as the query said (one that arrives meanwhile keeps the meeting going). Free of pydantic: the tick's
cold start stays small.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from shared.meetings import store
from shared.meetings.store import StaleMeetingError

AUTO_STOP_AFTER = timedelta(hours=2)


def silent(now: datetime) -> Iterator[str]:
    """Ids of the meetings capturing with no segment since AUTO_STOP_AFTER before `now`."""
    return store.silent_since(now - AUTO_STOP_AFTER)


def stop_silent(meeting_id: str, now: datetime) -> bool:
    """Stop one silent meeting; False when it was stopped, deleted or spoken in meanwhile."""
    row = store.get(meeting_id)
    if row is None or not store.is_capturing(row):
        return False
    try:
        store.stop(row, automatically=True, silent_since=now - AUTO_STOP_AFTER)
    except StaleMeetingError:
        return False
    return True
