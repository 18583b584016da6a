"""Password reset by email: a random token, stored only as its SHA-256, expiring and single use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import quote

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from shared import email
from shared.accounts import passwords, ratelimit, users, validation
from shared.accounts.errors import EmailNotConfiguredError, InvalidResetTokenError
from shared.db import delete_all, transaction
from shared.logs import logger
from shared.models import PasswordReset, RateLimitScope, User, normalize_key
from shared.models.base import utcnow
from shared.settings import get_settings

MAX_TOKEN_LENGTH = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _find_user(identifier: str) -> User | None:
    identifier = identifier.strip()
    if "@" in identifier:
        key = normalize_key(identifier)
        if len(key) > validation.EMAIL_MAX:
            return None
        keys = list(User.by_email.query(key, limit=1))
        return users._row(keys[0].user_id) if keys else None
    return users.find_row_by_username(identifier)


def request_reset(identifier: str, source_ip: str) -> None:
    """Email a reset link when the account exists, is active and has an email; silent otherwise."""
    identifier = identifier.strip()  # the lookup ignores surrounding spaces, so the rate limit must too
    if not email.is_configured():
        raise EmailNotConfiguredError()
    ratelimit.check(RateLimitScope.RESET_IP, source_ip)
    ratelimit.check(RateLimitScope.RESET_USER, identifier)
    ratelimit.hit(RateLimitScope.RESET_IP, source_ip)
    ratelimit.hit(RateLimitScope.RESET_USER, identifier)
    row = _find_user(identifier) if identifier.strip() else None
    if row is None or not row.is_active or not row.email:
        logger.info("password reset requested for no deliverable account")
        return
    token = secrets.token_urlsafe(32)
    settings = get_settings()
    PasswordReset(
        _hash(token),
        user_id=row.user_id,
        expires_at=utcnow() + timedelta(seconds=settings.reset_token_ttl_seconds),
        requested_ip=source_ip,
    ).save()
    minutes = settings.reset_token_ttl_seconds // 60
    link = f"{settings.public_url}/reset-password?token={quote(token)}"
    email.send(
        email.Email(
            to=row.email,
            subject="Reset your Sasha Studio password",
            text=(
                f"Hello {row.username},\n\nSomeone asked to reset the password of your Sasha Studio account. "
                f"To choose a new password, open this link within {minutes} minutes:\n\n{link}\n\n"
                "If it was not you, ignore this email: your password stays as it is.\n"
            ),
            tag="password-reset",
        )
    )


def _valid(token: str) -> PasswordReset:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidResetTokenError()
    try:
        reset = PasswordReset.get(_hash(token), consistent_read=True)
    except DoesNotExist:
        raise InvalidResetTokenError() from None
    if reset.used_at is not None or reset.expires_at <= utcnow():
        raise InvalidResetTokenError()
    return reset


def verify(token: str) -> str:
    """The username the token resets (for the form), or 400."""
    reset = _valid(token)
    account = users.get(reset.user_id)
    if account is None or not account.is_active:
        raise InvalidResetTokenError()
    return account.username


def reset_password(token: str, new_password: str) -> None:
    """Use the token once: mark it used and set the password in one transaction; tokens are revoked."""
    validation.password(new_password)
    reset = _valid(token)
    row = users._row(reset.user_id)
    if not row.is_active:
        raise InvalidResetTokenError()
    row.password_hash = passwords.hash_password(new_password)
    row.token_version = int(row.token_version or 0) + 1
    row.updated_at = utcnow()
    now = utcnow()
    try:
        with transaction() as tx:
            tx.update(
                reset,
                actions=[PasswordReset.used_at.set(now)],
                condition=PasswordReset.used_at.does_not_exist() & (PasswordReset.expires_at > now),
            )
            tx.save(row)
    except TransactWriteError as exc:
        raise InvalidResetTokenError() from exc
    for other in PasswordReset.by_user.query(row.user_id):
        if other.token_hash != reset.token_hash:
            other.delete()


def delete_for_user(user_id: str) -> int:
    return delete_all(PasswordReset, PasswordReset.by_user.query(user_id))
