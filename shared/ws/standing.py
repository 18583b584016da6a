"""Who a connection's action is from, and whether they still stand: checked on every action, not only at $connect.

A password change or "sign out everywhere" moves the account's token version on, an administrator may disable
the account, its owner may deactivate the key a connection was opened with: the route that did it closes the
connections opened before (shared.realtime.standing), and the next action of one it missed is refused and the
connection closed, with the reason. The account read to decide that (one consistent read, with the key's at the
same time) is the one the action then acts as: the caller is read once per action, not once for its standing and
again for the action.

Answers, the account itself or "no longer stands", are cached for CACHE_SECONDS per identity in each Lambda
container, so a burst of actions costs one read. An action may therefore act on an account as it was up to
CACHE_SECONDS ago (still active, still an administrator, an older token version): the staleness the standing check
has always allowed. The routes that sign an account out close its connections at once regardless.
"""

from __future__ import annotations

from shared.accounts import standing as accounts
from shared.accounts import users
from shared.accounts.views import Account
from shared.concurrency import together
from shared.errors import AuthenticationError
from shared.kept import MISSING, Kept
from shared.realtime.connections import Identity
from shared.realtime.standing import SIGNED_OUT, end, proven

__all__ = ["SIGNED_OUT", "SignedOutError", "caller", "end"]

CACHE_SECONDS = 5.0
CACHE_ENTRIES = 1000
_seen = Kept[Identity, Account | None](entries=CACHE_ENTRIES)


class SignedOutError(AuthenticationError):
    """The connection's caller no longer stands: the connection is to be told so and closed (`end`)."""

    code = "signed_out"

    def __init__(self) -> None:
        super().__init__(SIGNED_OUT)


def caller(identity: Identity) -> Account | None:
    """The account of the connection's caller, read for its standing, which the action then acts as.

    None for a connection recorded before $connect kept how its caller proved itself: it stands as it is (it
    expires within hours) and its action reads the account itself. Raises SignedOutError once the caller no
    longer stands.
    """
    if identity.token_version is None and identity.api_key_id is None:
        return None
    account = _cached(identity)
    if account is None:
        raise SignedOutError()
    return account


def _cached(identity: Identity) -> Account | None:
    """The account while the caller stands, else None: read at most once per CACHE_SECONDS per identity."""
    cached = _seen.get(identity, MISSING, within=CACHE_SECONDS)
    if cached is not MISSING:
        return cached
    account = _read(identity)
    _seen.put(identity, account)
    return account


def _read(identity: Identity) -> Account | None:
    """Read now (the account, and the key the connection was opened with at the same time), and decide by the
    rule shared.realtime.standing.stands decides by."""
    with together() as calls:
        key = calls.soon(accounts.key_is_active, identity.user_id, identity.api_key_id) if identity.api_key_id else None
        account = users.get(identity.user_id)
    version = account.token_version if account is not None and account.is_active else None
    return account if proven(identity, version, key.result() if key else None) else None
