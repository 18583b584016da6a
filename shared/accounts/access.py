"""Who is calling, as routes and domains see it: a Principal, from a session token (JWT) or an API key."""

from __future__ import annotations

from shared.accounts import callers, tokens
from shared.accounts.domain import Principal
from shared.accounts.views import Account
from shared.models.api_keys import KeyScope

__all__ = ["from_api_key", "from_token", "resolve", "tokens"]


def _principal(caller: callers.Caller) -> Principal:
    return Principal(
        account=Account.model_validate(caller.user), via=caller.via, api_key_id=caller.api_key_id, scope=caller.scope
    )


def from_token(token: str) -> Principal:
    return _principal(callers.by_token(token))


def from_api_key(key: str) -> Principal:
    return _principal(callers.by_api_key(key))


def resolve(*, bearer: str | None, api_key: str | None) -> Principal | None:
    """The caller, None when no credentials were presented; presented but invalid credentials are a 401.

    Keys of every scope are taken: which routes an integrations key may call is the API's to say (shared.api.deps).
    """
    caller = callers.identify(bearer=bearer, api_key=api_key, scopes=tuple(KeyScope))
    return _principal(caller) if caller else None
