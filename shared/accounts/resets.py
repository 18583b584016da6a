"""Password reset by email: a random token, stored only as its SHA-256, expiring and single use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import quote

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from shared import email
from shared.accounts import credentials, ratelimit, users, validation
from shared.accounts.errors import AccountDisabledError, EmailNotConfiguredError, InvalidResetTokenError
from shared.db import delete_all, transaction
from shared.logs import logger
from shared.models.accounts import PasswordReset, RateLimitScope
from shared.models.base import utcnow
from shared.settings import get_settings

MAX_TOKEN_LENGTH = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(identifier: str, source_ip: str) -> None:
    """Email a reset link when the account exists, is active and has an email; silent otherwise."""
    identifier = identifier.strip()  # the lookup ignores surrounding spaces, so the rate limit must too
    if not email.is_configured():
        raise EmailNotConfiguredError()
    # Every request counts, sent or not: an unknown name must cost what a known one does.
    ratelimit.take_each(
        (RateLimitScope.RESET_IP, (ratelimit.address(source_ip),)),
        (RateLimitScope.RESET_USER, (identifier,)),
    )
    account = users.find(identifier) if identifier.strip() else None
    if account is None or not account.is_active or not account.email:
        logger.info("password reset requested for no deliverable account")
        return
    token = secrets.token_urlsafe(32)
    settings = get_settings()
    PasswordReset(
        _hash(token),
        user_id=account.user_id,
        expires_at=utcnow() + timedelta(seconds=settings.reset_token_ttl_seconds),
        requested_ip=source_ip,
    ).save()
    minutes = settings.reset_token_ttl_seconds // 60
    link = f"{settings.public_url}/reset-password?token={quote(token)}"
    email.send(
        email.Email(
            to=account.email,
            subject="Reset your Sasha Studio password",
            text=(
                f"Hello {account.username},\n\nSomeone asked to reset the password of your Sasha Studio account. "
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


def reset_password(token: str, new_password: str) -> str:
    """Use the token once: mark it used and set the password in one transaction; tokens are revoked.

    Returns the account's id.
    """
    validation.password(new_password)
    reset = _valid(token)
    now = utcnow()
    try:
        with transaction() as tx:
            tx.update(
                reset,
                actions=[PasswordReset.used_at.set(now)],
                condition=PasswordReset.used_at.does_not_exist() & (PasswordReset.expires_at > now),
            )
            credentials.set_password_in(tx, reset.user_id, new_password)
    except (AccountDisabledError, TransactWriteError) as exc:
        raise InvalidResetTokenError() from exc
    for other in PasswordReset.by_user.query(reset.user_id):
        if other.token_hash != reset.token_hash:
            other.delete()
    return reset.user_id


def delete_for_user(user_id: str) -> int:
    return delete_all(PasswordReset, PasswordReset.by_user.query(user_id))
