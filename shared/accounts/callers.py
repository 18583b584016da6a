"""The caller behind a session token or an API key, checked against the live account: rows and plain values.

No views here (no pydantic): the WebSocket $connect function needs only the caller's user id, and pydantic would
add some 80 ms to its cold import. shared.accounts.access turns a caller into the Principal every domain sees.
An API key is `sk_<key_id>_<secret>`: one read by key id, its secret compared as a SHA-256 in constant time.
A key's scope travels with its caller; the REST API checks which routes an integrations key may call
(shared.api.deps), and the WebSocket takes full keys only.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared.accounts import tokens
from shared.accounts.errors import KeyScopeError
from shared.errors import AuthenticationError
from shared.models.accounts import User
from shared.models.api_keys import ApiKey, KeyScope
from shared.models.base import utcnow

KEY_SHAPE = re.compile(r"^sk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Caller:
    """A live account's row, how the caller proved it is theirs, and what their key may do."""

    user: User
    via: str  # "token" or "api_key"
    api_key_id: str | None = None
    scope: KeyScope | None = None  # a key's; None for a session token

    @property
    def user_id(self) -> str:
        return str(self.user.user_id)


def digest(secret: str) -> str:
    """How an API key's secret is stored and compared."""
    return hashlib.sha256(secret.encode()).hexdigest()


def identify(
    *, bearer: str | None, api_key: str | None, scopes: Collection[KeyScope] = (KeyScope.FULL,)
) -> Caller | None:
    """The caller, None when no credentials were presented; presented but invalid credentials are a 401.

    A valid key whose scope is not among `scopes` is a 403: the WebSocket (the default) takes full keys only; the
    REST API takes every key and checks an integrations key's routes itself.
    """
    if api_key:
        caller = by_api_key(api_key)
        if caller.scope not in scopes:
            raise KeyScopeError()
        return caller
    if bearer:
        return by_token(bearer)
    return None


def by_token(token: str) -> Caller:
    claims = tokens.verify(token)
    user = _user(claims.user_id)
    # A changed token version means the password changed or the account was disabled since the token was issued.
    if user is None or not user.is_active or int(user.token_version or 0) != claims.token_version:
        raise AuthenticationError("Your session has ended; sign in again.", code="token_revoked")
    return Caller(user, via="token")


def by_api_key(presented: str) -> Caller:
    """The account behind an `X-API-Key`; 401 for anything else, with one message."""
    invalid = AuthenticationError("The API key is not valid.", code="invalid_api_key")
    match = KEY_SHAPE.match(presented.strip())
    if not match:
        raise invalid
    key_id, secret = match.groups()
    try:
        key = ApiKey.get(key_id)
    except DoesNotExist:
        raise invalid from None
    if not hmac.compare_digest(key.secret_hash, digest(secret)) or not key.is_active:
        raise invalid
    user = _user(key.user_id)
    if user is None or not user.is_active:
        raise invalid
    _touch(key)
    return Caller(user, via="api_key", api_key_id=key_id, scope=KeyScope(key.scope or KeyScope.FULL))


def _user(user_id: str) -> User | None:
    try:
        return User.get(user_id, consistent_read=True)
    except DoesNotExist:
        return None


def _touch(key: ApiKey) -> None:
    """Record last use at most once a minute, so a busy integration does not write on every request."""
    now = utcnow()
    if key.last_used_at and now - key.last_used_at < LAST_USED_GRANULARITY:
        return
    with contextlib.suppress(UpdateError):  # another request recorded it first
        key.update(
            actions=[ApiKey.last_used_at.set(now)],
            condition=ApiKey.last_used_at.does_not_exist() | (ApiKey.last_used_at < now - LAST_USED_GRANULARITY),
        )
