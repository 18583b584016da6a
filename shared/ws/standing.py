"""Whether a connection's caller still stands: checked on every action, not only at $connect.

A password change or "sign out everywhere" moves the account's token version on, an administrator may disable
the account, its owner may deactivate the key a connection was opened with: the route that did it closes the
connections opened before (shared.realtime.standing), and the next action of one it missed is refused and the
connection closed, with the reason. Answers are cached for a few seconds per
Lambda container, so a burst of actions costs one read.
"""

from __future__ import annotations

import time

from shared.realtime.connections import Identity
from shared.realtime.standing import SIGNED_OUT, end, stands

__all__ = ["SIGNED_OUT", "end", "holds"]

CACHE_SECONDS = 5.0
CACHE_ENTRIES = 1000
_seen: dict[Identity, tuple[float, bool]] = {}


def holds(identity: Identity) -> bool:
    now = time.monotonic()
    cached = _seen.get(identity)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    standing = stands(identity)
    if len(_seen) >= CACHE_ENTRIES:
        _seen.clear()
    _seen[identity] = (now, standing)
    return standing
