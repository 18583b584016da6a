"""API keys for integrations: created (shown once), listed, deactivated; checked by shared.accounts.callers.

A key is `sk_<key_id>_<secret>`, looked up by key id in one read (never a loop of hashes). The secret is 256
random bits, so it is stored as its SHA-256 and compared in constant time: a slow password hash would add
latency to every request without adding security. The callback signing secret must be recoverable to sign,
so it is sealed with envelope encryption instead.

A key's scope (`KeyScope`) is `integrations` unless asked otherwise: a key handed to a CI job should not be able
to do all its owner can. Which routes each scope opens is the API's to say (shared.api.deps).
"""

from __future__ import annotations

import re
import secrets
import uuid

from pynamodb.exceptions import DoesNotExist

from shared import crypto, net
from shared.accounts.callers import digest
from shared.accounts.views import KeyInfo, NewKey
from shared.db import delete_all
from shared.errors import NotFoundError, ValidationError
from shared.models.api_keys import API_KEY_PREFIX, ApiKey, KeyScope
from shared.settings import get_settings

MAX_NAME = 100


def create(user_id: str, name: str, callback_url: str | None, scope: KeyScope = KeyScope.INTEGRATIONS) -> NewKey:
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
        secret_hash=digest(secret),
        user_id=user_id,
        name=name,
        callback_url=callback_url or None,
        signing_secret_encrypted=crypto.seal(signing_secret, context={"api_key": key_id}),
        is_active=True,
        scope=KeyScope(scope).value,
    )
    row.save(condition=ApiKey.key_id.does_not_exist())
    shown_once = {"key": f"{API_KEY_PREFIX}{key_id}_{secret}", "signing_secret": signing_secret}
    return NewKey.model_validate({**KeyInfo.model_validate(row).model_dump(), **shown_once})


def list_for(user_id: str) -> list[KeyInfo]:
    """The user's keys, oldest first; read from the table, since the by-user index does not hold their scope."""
    key_ids = [row.key_id for row in ApiKey.by_user.query(user_id)]
    rows = ApiKey.batch_get(key_ids) if key_ids else []
    return sorted((KeyInfo.model_validate(row) for row in rows), key=lambda key: key.created_at)


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
    return KeyInfo.model_validate(row)


def signing_secret(row: ApiKey) -> str:
    assert row.signing_secret_encrypted is not None
    return crypto.unseal(row.signing_secret_encrypted, context={"api_key": row.key_id})


def delete_for_user(user_id: str) -> int:
    return delete_all(ApiKey, ApiKey.by_user.query(user_id))
