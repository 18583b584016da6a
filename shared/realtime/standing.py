"""Whether a connection's caller still stands, and closing the connections of one who no longer does.

A password change or "sign out everywhere" moves the account's token version on, an administrator may disable
the account, its owner may deactivate the key a connection was opened with. The routes that do so close the
account's connections opened before at once (`end_stale`); every WebSocket action checks again too
(shared.ws.standing), for anything that changes an account some other way.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from shared.accounts import standing as accounts
from shared.logs import logger
from shared.realtime import connections
from shared.realtime.connections import Identity
from shared.realtime.events import error_event
from shared.realtime.publisher import disconnect, post_event

SIGNED_OUT = (
    "You were signed out (your password changed, you signed out everywhere, or the API key was deactivated): "
    "sign in again."
)


def stands(identity: Identity) -> bool:
    """Read now: the account is active, and the token version or the key the connection proved itself with holds."""
    if identity.token_version is None and identity.api_key_id is None:
        return True  # a connection recorded before $connect kept how it proved itself: it expires within hours
    version = accounts.token_version(identity.user_id)
    if version is None or identity.api_key_id is None:
        return proven(identity, version, None)
    return proven(identity, version, accounts.key_is_active(identity.user_id, identity.api_key_id))


def proven(identity: Identity, version: int | None, key_active: bool | None) -> bool:
    """The rule, from what was read: `version` is the account's token version while it is active (None: gone or
    disabled), `key_active` whether the key the connection was opened with still works (None: not read)."""
    if version is None:
        return False
    if identity.api_key_id is not None:
        return bool(key_active)
    return identity.token_version is None or version == identity.token_version


def end(connection_id: str) -> None:
    """Tell the client why, then close the connection and forget it."""
    try:
        post_event(connection_id, error_event("signed_out", SIGNED_OUT))
        disconnect(connection_id)
    except (ClientError, BotoCoreError):
        logger.warning("could not close a signed-out connection", extra={"connection_id": connection_id})
    connections.forget(connection_id)


def end_stale(user_id: str) -> int:
    """Close every connection of the user whose caller no longer stands; best effort, returns how many."""
    ended = 0
    try:
        for connection_id in connections.of_user(user_id):
            identity = connections.identity_of(connection_id)
            if identity is not None and not stands(identity):
                end(connection_id)
                ended += 1
    except (ClientError, BotoCoreError):
        logger.warning("could not close the signed-out connections of an account", extra={"user_id": user_id})
    return ended
