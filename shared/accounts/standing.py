"""Whether an account (and a key of it) still stands, read with the models only: the WebSocket's $default asks
this on every action, and importing the accounts domain's views and crypto there would cost its cold start."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from shared.models.accounts import User
from shared.models.api_keys import ApiKey


def token_version(user_id: str) -> int | None:
    """The active account's token version; None when the account is gone or disabled."""
    try:
        row = User.get(user_id, consistent_read=True, attributes_to_get=["is_active", "token_version"])
    except DoesNotExist:
        return None
    return int(row.token_version or 0) if row.is_active else None


def key_is_active(user_id: str, key_id: str) -> bool:
    """Whether the user's key still works."""
    try:
        row = ApiKey.get(key_id, consistent_read=True, attributes_to_get=["user_id", "is_active"])
    except DoesNotExist:
        return False
    return bool(row.is_active) and row.user_id == user_id
