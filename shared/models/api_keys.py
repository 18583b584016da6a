"""API keys for integrations: `sk_<key_id>_<secret>`, found by key id, verified against a hash."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from shared.models.base import StudioModel, utcnow
from shared.models.fields import SealedSecret

API_KEY_PREFIX = "sk_"


class KeyScope(StrEnum):
    """What a key may call: the integration routes only (the default), or whatever its owner may, bar the
    routes that need a signed-in session (shared.api.deps)."""

    INTEGRATIONS = "integrations"
    FULL = "full"


class ApiKeysByUserIndex(GlobalSecondaryIndex["ApiKey"]):
    """The keys of a user, newest last, for the settings page and the cascade; no secret material."""

    class Meta:
        index_name = "by-user"
        # The listing shows these; secret_hash and the signing secret stay out of the index.
        projection = IncludeProjection(["name", "callback_url", "is_active", "last_used_at"])

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ApiKey(StudioModel):
    """An integration key: shown once, stored as a hash of its secret, deactivatable."""

    class Meta:
        logical_name = "api_keys"

    # The key id is the middle of `sk_<key_id>_<secret>`: one GetItem, never "try every key".
    key_id = UnicodeAttribute(hash_key=True)
    # SHA-256 of the secret, compared in constant time: the secret is 256 random bits, so a slow hash
    # would add latency to every request without adding security.
    secret_hash = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    callback_url = UnicodeAttribute(null=True)
    # The HMAC-SHA256 key that signs callbacks; it must be recoverable, so it is sealed, not hashed.
    signing_secret_encrypted = SealedSecret(null=True)
    is_active = BooleanAttribute(default=True)
    # A KeyScope. Keys made before scopes existed have none and keep working as they did: read as "full".
    # Not in the by-user index (changing a projection rebuilds the index): the listing reads the rows.
    scope = UnicodeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)

    by_user = ApiKeysByUserIndex()
