"""Users, the unique claims that guard usernames and the first admin, password resets and rate limits."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow
from shared.models.fields import composite, normalize_key


class ClaimKind(StrEnum):
    USERNAME = "username"
    EMAIL = "email"
    BOOTSTRAP = "bootstrap"
    PROJECT_NAME = "project"


# The claim that only the first registration can take; it is never released, so deleting
# the first admin does not reopen registration.
FIRST_USER_CLAIM = composite(ClaimKind.BOOTSTRAP, "first-user")


def claim_key(kind: ClaimKind, *parts: str) -> str:
    """The unique_claims key of a value: claim_key(USERNAME, "Alice") == "username#alice"."""
    return composite(kind, *(normalize_key(part) for part in parts))


class UsersByUsernameIndex(GlobalSecondaryIndex["User"]):
    """Login: the user whose normalized username is given (ALL, so login needs one read)."""

    class Meta:
        index_name = "by-username"
        projection = AllProjection()

    username_key = UnicodeAttribute(hash_key=True)


class UsersByEmailIndex(GlobalSecondaryIndex["User"]):
    """Sparse: users that have an email, by normalized email (forgot-password)."""

    class Meta:
        index_name = "by-email"
        projection = KeysOnlyProjection()

    email_key = UnicodeAttribute(hash_key=True)


class User(StudioModel):
    """A person who can sign in; the username is unique through a `username#<key>` claim."""

    class Meta:
        logical_name = "users"

    user_id = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()  # as typed, for display
    username_key = UnicodeAttribute()  # normalize_key(username), for lookup and uniqueness
    email = UnicodeAttribute(null=True)
    email_key = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    is_admin = BooleanAttribute(default=False)
    is_active = BooleanAttribute(default=True)
    # Every JWT carries the version it was issued under; bumping it revokes all of them at once.
    token_version = NumberAttribute(default=0)
    last_login = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    by_username = UsersByUsernameIndex()
    by_email = UsersByEmailIndex()


class UniqueClaim(StudioModel):
    """A value that at most one owner may hold, taken with attribute_not_exists inside a transaction."""

    class Meta:
        logical_name = "unique_claims"

    claim = UnicodeAttribute(hash_key=True)  # claim_key(...) or FIRST_USER_CLAIM
    owner_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)


class ResetsByUserIndex(GlobalSecondaryIndex["PasswordReset"]):
    """The reset tokens of a user: invalidated on password change, deleted with the user."""

    class Meta:
        index_name = "by-user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class PasswordReset(StudioModel):
    """A single-use password reset token, stored only as its SHA-256."""

    class Meta:
        logical_name = "password_resets"

    token_hash = UnicodeAttribute(hash_key=True)  # hex SHA-256 of the emailed token
    user_id = UnicodeAttribute()
    # TTL deletion lags by up to days: validity is checked against expires_at, never inferred from presence.
    expires_at = TTLAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    requested_ip = UnicodeAttribute(null=True)

    by_user = ResetsByUserIndex()


class RateLimitScope(StrEnum):
    LOGIN_USER = "login#user"  # an account, from anywhere: the backstop against guessing from many addresses
    LOGIN_USER_IP = "login#user-ip"  # an account, from one address: the lockout a stranger cannot impose
    LOGIN_IP = "login#ip"
    RESET_USER = "reset#user"
    RESET_IP = "reset#ip"
    PREWARM_USER = "prewarm#user"  # chat.prewarm: each one may start a Claude process on a runner


def rate_limit_bucket(scope: RateLimitScope, *subject: str) -> str:
    """The bucket key of a subject (a username, an address, or both): its scope and the SHA-256 of its normal form.

    Hashed, because normalization can make a short input long (NFKC expands some characters eighteenfold)
    and a DynamoDB key may not exceed 2,048 bytes; the hash also keeps raw usernames and IPs out of the table.
    The parts are joined by a newline, which no address contains, so (name, address) pairs cannot collide.
    """
    joined = "\n".join(normalize_key(part) for part in subject)
    return composite(scope, hashlib.sha256(joined.encode()).hexdigest())


class RateLimit(StudioModel):
    """A fixed-window counter of login or reset attempts per username or client IP."""

    class Meta:
        logical_name = "rate_limits"

    bucket = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)  # not `count`: that name is Model.count()
    window_start = UTCDateTimeAttribute(default=utcnow)
    # Housekeeping only: a counter whose window has passed counts as zero even before TTL removes it.
    expires_at = TTLAttribute()
