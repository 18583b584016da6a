"""Credentials: each connection's secret sealed in `cloud_credentials` (AES-256-GCM under a KMS data key).

One JSON envelope per connection, bound to it by the encryption context: OAuth tokens `{"access_token",
"refresh_token", "expires_at", "token_type", "scope"}`, a WebDAV `{"username", "password"}` or S3 access keys
`{"access_key_id", "secret_access_key"}`. Writes carry the row's version: two runners refreshing one token at
once cannot both store theirs (the refresh in shared.drives.remote reloads the winner's instead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from shared import crypto
from shared.db import condition_failed
from shared.drives.access import OAuthToken
from shared.errors import ConflictError
from shared.models.base import utcnow
from shared.models.cloud import CloudCredential

_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Stored:
    """A credential as read: its secret opened, and the version a write must still find."""

    connection_id: str
    secret: dict[str, Any]
    version: int | None

    def token(self) -> OAuthToken:
        return OAuthToken(
            access_token=str(self.secret.get("access_token") or ""),
            refresh_token=self.secret.get("refresh_token"),
            expires_at=self.secret.get("expires_at"),
            token_type=str(self.secret.get("token_type") or "Bearer"),
        )

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Stored(connection_id={self.connection_id!r}, version={self.version!r})"


def context(connection_id: str) -> dict[str, str]:
    return {"purpose": "drive-credential", "connection": connection_id}


def new_row(connection_id: str, user_id: str, secret: dict[str, Any]) -> CloudCredential:
    """A credential row, not yet saved (the caller saves it, alone or in a transaction)."""
    row = CloudCredential(connection_id, user_id=user_id)
    _fill(row, secret)
    return row


def read(connection_id: str) -> Stored | None:
    row = _row(connection_id)
    if row is None:
        return None
    return Stored(connection_id, json.loads(crypto.unseal(row.tokens, context=context(connection_id))), row.version)


def store(connection_id: str, user_id: str, secret: dict[str, Any]) -> None:
    """Replace the credential whatever it holds (a new sign-in: the user just proved who they are)."""
    for _ in range(_ATTEMPTS):
        row = _row(connection_id) or CloudCredential(connection_id, user_id=user_id)
        _fill(row, secret)
        row.user_id = user_id
        try:
            row.save()  # versioned: a refresh saved meanwhile makes this round read again
        except PutError as exc:
            if condition_failed(exc):
                continue
            raise
        return
    raise ConflictError("The drive's sign-in kept changing while it was saved; sign in again.", code="credential_busy")


def replace_if_unchanged(previous: Stored, user_id: str, secret: dict[str, Any]) -> bool:
    """Store a refreshed secret only if nobody refreshed since `previous` was read; False when someone did."""
    row = CloudCredential(previous.connection_id, user_id=user_id)
    row.version = previous.version  # the save's condition: the version is still the one read
    _fill(row, secret)
    try:
        row.save()
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _fill(row: CloudCredential, secret: dict[str, Any]) -> None:
    row.tokens = crypto.seal(json.dumps(secret), context=context(row.connection_id))
    row.access_expires_at = _moment(secret.get("expires_at"))
    row.refreshed_at = utcnow()


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _row(connection_id: str) -> CloudCredential | None:
    try:
        return CloudCredential.get(connection_id, consistent_read=True)
    except DoesNotExist:
        return None
