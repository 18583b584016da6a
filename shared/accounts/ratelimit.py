"""Fixed-window rate limits kept in DynamoDB, so every Lambda instance counts the same attempts."""

from __future__ import annotations

from datetime import timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared.accounts.errors import TooManyAttemptsError
from shared.db import condition_failed
from shared.models.accounts import RateLimit, RateLimitScope, rate_limit_bucket
from shared.models.base import utcnow

WINDOW = timedelta(minutes=15)
LIMITS = {
    RateLimitScope.LOGIN_USER: 10,
    RateLimitScope.LOGIN_IP: 50,
    RateLimitScope.RESET_USER: 5,
    RateLimitScope.RESET_IP: 20,
}


def check(scope: RateLimitScope, subject: str) -> None:
    """Refuse with 429 while the subject's failures in the current window reached the limit."""
    try:
        counter = RateLimit.get(rate_limit_bucket(scope, subject), consistent_read=True)
    except DoesNotExist:
        return
    window_end = counter.window_start + WINDOW
    now = utcnow()
    if window_end > now and int(counter.hits) >= LIMITS[scope]:
        raise TooManyAttemptsError(retry_after=int((window_end - now).total_seconds()) + 1)


def hit(scope: RateLimitScope, subject: str) -> int:
    """Count one attempt; returns the count in the current window."""
    bucket = rate_limit_bucket(scope, subject)
    now = utcnow()
    counter = RateLimit(bucket)
    try:
        counter.update(
            actions=[RateLimit.hits.add(1)],
            condition=RateLimit.window_start > now - WINDOW,
        )
        return int(counter.hits)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    # No window yet, or it has passed: start a new one (a concurrent starter simply wins; counts stay close).
    RateLimit(bucket, hits=1, window_start=now, expires_at=now + WINDOW).save()
    return 1


def clear(scope: RateLimitScope, subject: str) -> None:
    RateLimit(rate_limit_bucket(scope, subject)).delete()
