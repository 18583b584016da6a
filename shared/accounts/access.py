"""Who is calling: a session token (JWT) or an API key, checked against the live account."""

from __future__ import annotations

from shared.accounts import api_keys, tokens, users
from shared.accounts.domain import Principal
from shared.errors import AuthenticationError


def from_token(token: str) -> Principal:
    claims = tokens.verify(token)
    account = users.get(claims.user_id)
    # A changed token version means the password changed or the account was disabled since the token was issued.
    if account is None or not account.is_active or account.token_version != claims.token_version:
        raise AuthenticationError("Your session has ended; sign in again.", code="token_revoked")
    return Principal(account=account, via="token")


def from_api_key(key: str) -> Principal:
    account, key_id = api_keys.authenticate(key)
    return Principal(account=account, via="api_key", api_key_id=key_id)


def resolve(*, bearer: str | None, api_key: str | None) -> Principal | None:
    """The caller, None when no credentials were presented; presented but invalid credentials are a 401."""
    if api_key:
        return from_api_key(api_key)
    if bearer:
        return from_token(bearer)
    return None
