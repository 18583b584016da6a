"""API keys for integrations: `sk_<key_id>_<secret>`, looked up by key id in one read (never a loop of hashes).

The secret is 256 random bits, so it is stored as its SHA-256 and compared in constant time: a slow
password hash would add latency to every request without adding security. The callback signing secret
must be recoverable to sign, so it is sealed with envelope encryption instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared import crypto, net
from shared.accounts import users
from shared.accounts.domain import Account
from shared.db import delete_all
from shared.errors import AuthenticationError, NotFoundError, ValidationError
from shared.models import API_KEY_PREFIX, ApiKey
from shared.models.base import utcnow
from shared.settings import get_settings

_KEY = re.compile(r"^sk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")
LAST_USED_GRANULARITY = timedelta(minutes=1)
MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    name: str
    callback_url: str | None
    is_active: bool
    last_used_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewKey:
    info: KeyInfo
    key: str  # shown once
    signing_secret: str  # shown once


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.key_id, row.name, row.callback_url, bool(row.is_active), row.last_used_at, row.created_at)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user_id: str, name: str, callback_url: str | None) -> NewKey:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError(f"A key needs a name of 1 to {MAX_NAME} characters.", code="invalid_name")
    if callback_url:
        callback_url = net.check_outbound_url(callback_url, allow_private=get_settings().is_local)
    key_id = uuid.uuid4().hex
    secret = secrets.token_urlsafe(32)
    signing_secret = secrets.token_urlsafe(32)
    row = ApiKey(
        key_id,
        secret_hash=_digest(secret),
        user_id=user_id,
        name=name,
        callback_url=callback_url or None,
        signing_secret_encrypted=crypto.seal(signing_secret, context={"api_key": key_id}),
        is_active=True,
    )
    row.save(condition=ApiKey.key_id.does_not_exist())
    return NewKey(_info(row), f"{API_KEY_PREFIX}{key_id}_{secret}", signing_secret)


def list_for(user_id: str) -> list[KeyInfo]:
    return [_info(row) for row in ApiKey.by_user.query(user_id)]


def deactivate(user_id: str, key_id: str) -> KeyInfo:
    """Deactivate one of the caller's keys (idempotent); someone else's key is "not found"."""
    try:
        row = ApiKey.get(key_id, consistent_read=True) if re.fullmatch(r"[0-9a-f]{32}", key_id) else None
    except DoesNotExist:
        row = None
    if row is None or row.user_id != user_id:
        raise NotFoundError("There is no such API key.", code="api_key_not_found")
    if row.is_active:
        row.update(actions=[ApiKey.is_active.set(False)])
    return _info(row)


def signing_secret(row: ApiKey) -> str:
    assert row.signing_secret_encrypted is not None
    return crypto.unseal(row.signing_secret_encrypted, context={"api_key": row.key_id})


def authenticate(presented: str) -> tuple[Account, str]:
    """The account behind an `X-API-Key` and the key id; 401 for anything else, with one message."""
    invalid = AuthenticationError("The API key is not valid.", code="invalid_api_key")
    match = _KEY.match(presented.strip())
    if not match:
        raise invalid
    key_id, secret = match.groups()
    try:
        row = ApiKey.get(key_id)
    except DoesNotExist:
        raise invalid from None
    if not hmac.compare_digest(row.secret_hash, _digest(secret)) or not row.is_active:
        raise invalid
    account = users.get(row.user_id)
    if account is None or not account.is_active:
        raise invalid
    _touch(row)
    return account, key_id


def _touch(row: ApiKey) -> None:
    """Record last use at most once a minute, so a busy integration does not write on every request."""
    now = utcnow()
    if row.last_used_at and now - row.last_used_at < LAST_USED_GRANULARITY:
        return
    with contextlib.suppress(UpdateError):  # another request recorded it first
        row.update(
            actions=[ApiKey.last_used_at.set(now)],
            condition=ApiKey.last_used_at.does_not_exist() | (ApiKey.last_used_at < now - LAST_USED_GRANULARITY),
        )


def delete_for_user(user_id: str) -> int:
    return delete_all(ApiKey, ApiKey.by_user.query(user_id))
