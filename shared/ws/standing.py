"""Whether a connection's caller still stands: checked on every action, not only at $connect.

A password change or "sign out everywhere" moves the account's token version on, an administrator may disable
the account, its owner may deactivate the key a connection was opened with: the next action of a connection
opened before is refused and the connection closed, with the reason. Answers are cached for a few seconds per
Lambda container, so a burst of actions costs one read.
"""

from __future__ import annotations

import time

from botocore.exceptions import BotoCoreError, ClientError

from shared.accounts import standing as accounts
from shared.logs import logger
from shared.realtime import connections
from shared.realtime.connections import Identity
from shared.realtime.events import error_event
from shared.realtime.publisher import disconnect, post_event

CACHE_SECONDS = 5.0
CACHE_ENTRIES = 1000
SIGNED_OUT = (
    "You were signed out (your password changed, you signed out everywhere, or the API key was deactivated): "
    "sign in again."
)
_seen: dict[Identity, tuple[float, bool]] = {}


def holds(identity: Identity) -> bool:
    if identity.token_version is None and identity.api_key_id is None:
        return True  # a connection recorded before $connect kept how it proved itself: it expires within hours
    now = time.monotonic()
    cached = _seen.get(identity)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    standing = _check(identity)
    if len(_seen) >= CACHE_ENTRIES:
        _seen.clear()
    _seen[identity] = (now, standing)
    return standing


def end(connection_id: str) -> None:
    """Tell the client why, then close the connection and forget it."""
    try:
        post_event(connection_id, error_event("signed_out", SIGNED_OUT))
        disconnect(connection_id)
    except (ClientError, BotoCoreError):
        logger.warning("could not close a signed-out connection", extra={"connection_id": connection_id})
    connections.forget(connection_id)


def _check(identity: Identity) -> bool:
    version = accounts.token_version(identity.user_id)
    if version is None:
        return False  # gone or disabled
    if identity.api_key_id is not None:
        return accounts.key_is_active(identity.user_id, identity.api_key_id)
    return identity.token_version is None or version == identity.token_version
