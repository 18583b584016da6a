"""What a refusal by a quota says: which limit (its name in the settings), its value, and when it resets if it does."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from shared.errors import ConflictError, RateLimitedError, StudioError, ValidationError


class QuotaError(StudioError):
    """A quota refused the request; `details` names the setting (`limit`) and its `value` for the client."""

    def __init__(self, message: str, *, limit: str, value: int, **more: object) -> None:
        super().__init__(message)
        self.details = {"limit": limit, "value": value, **more}


class TooManySchedulesError(QuotaError, ConflictError):
    """409: enabling one more cron schedule would pass the owner's limit (disabling or deleting one makes room)."""

    code = "schedule_limit_reached"

    def __init__(self, limit: int, active: int) -> None:
        have = f"{active} active schedule{'s' if active != 1 else ''}"
        allowed = f"{limit} {'is' if limit == 1 else 'are'} allowed"
        super().__init__(
            f"This account already has {have}; at most {allowed} (maxActiveSchedules = {limit}). "
            "Disable or delete one first, or ask an administrator to raise the limit.",
            limit="maxActiveSchedules",
            value=limit,
            active=active,
        )


class ScheduleTooFrequentError(QuotaError, ValidationError):
    """400: the cron expression runs more often than the minimum interval allows."""

    code = "schedule_too_frequent"

    def __init__(self, cron: str, shortest: timedelta, minimum: int) -> None:
        every = int(shortest.total_seconds() // 60)
        super().__init__(
            f"'{cron}' runs as often as every {_minutes(every)}; a schedule may run at most once every "
            f"{_minutes(minimum)} (minScheduleIntervalMinutes = {minimum}). Choose a less frequent expression.",
            limit="minScheduleIntervalMinutes",
            value=minimum,
            shortestIntervalMinutes=every,
        )


class UploadQuotaError(QuotaError, RateLimitedError):
    """429 with Retry-After: the user asked for as many upload links as an hour allows."""

    code = "upload_quota_exceeded"

    def __init__(self, limit: int, resets_at: datetime, retry_after: int) -> None:
        super().__init__(
            f"You have used this hour's upload links: at most {limit} an hour (uploadsPerHour = {limit}). "
            f"The count starts again at {resets_at:%H:%M} UTC, in {_minutes(math.ceil(retry_after / 60))}.",
            limit="uploadsPerHour",
            value=limit,
            resetsAt=f"{resets_at:%Y-%m-%dT%H:%M:%SZ}",
            retryAfter=retry_after,
        )
        self.retry_after = retry_after


def _minutes(count: int) -> str:
    return f"{count} minute{'s' if count != 1 else ''}"


class TurnQuotaError(QuotaError, RateLimitedError):
    """429 with Retry-After: the user has started as many chat turns as a UTC day allows."""

    code = "turn_quota_exceeded"

    def __init__(self, limit: int, resets_at: datetime, retry_after: int) -> None:
        super().__init__(
            f"You have sent today's chat messages: at most {limit:,} a day (turnsPerDay = {limit}). "
            f"{_resets(resets_at, retry_after)}",
            limit="turnsPerDay",
            value=limit,
            resetsAt=f"{resets_at:%Y-%m-%dT%H:%M:%SZ}",
            retryAfter=retry_after,
        )
        self.retry_after = retry_after


class TokenQuotaError(QuotaError, RateLimitedError):
    """429: the user's model calls have used as many tokens as a UTC day allows (refused at the model gateway)."""

    code = "token_quota_exceeded"

    def __init__(self, limit: int, used: int, resets_at: datetime, retry_after: int) -> None:
        super().__init__(
            f"You have used today's model tokens: {used:,} of at most {limit:,} a day (tokensPerDay = {limit}). "
            f"{_resets(resets_at, retry_after)}",
            limit="tokensPerDay",
            value=limit,
            used=used,
            resetsAt=f"{resets_at:%Y-%m-%dT%H:%M:%SZ}",
            retryAfter=retry_after,
        )
        self.retry_after = retry_after


def _resets(resets_at: datetime, retry_after: int) -> str:
    """When a daily count starts again: "The count starts again at 00:00 UTC, in 3 hours 20 minutes."."""
    hours, minutes = divmod(math.ceil(retry_after / 60), 60)
    left = f"{hours} hour{'s' if hours != 1 else ''} {_minutes(minutes)}" if hours else _minutes(minutes)
    return f"The count starts again at {resets_at:%H:%M} UTC on {resets_at:%Y-%m-%d}, in {left}."
