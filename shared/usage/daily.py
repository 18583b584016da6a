"""Each user's model tokens of a UTC day: one counter per user and day, added to as every call is recorded.

The counter is a row of the `rate_limits` table keyed "quota#tokens#<user>#<YYYY-MM-DD>" (`hits` holds the
tokens): one UpdateItem (ADD) per call, so calls that end at once never lose each other's tokens. What counts is
the call's input and output tokens (`tokens_in + tokens_out`, as the API reports them); cache reads and writes do
not. The day is the UTC date the call ended. Rows expire (TTL) two days after their day: housekeeping only.
`shared.quotas.daily` compares a day's count with the administrator's `tokensPerDay`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pynamodb.exceptions import DoesNotExist

from shared.models.accounts import RateLimit
from shared.models.fields import composite

KEEP_AFTER_DAY = timedelta(days=2)


def _bucket(user_id: str, day: date) -> str:
    return composite("quota", "tokens", user_id, f"{day:%Y-%m-%d}")


def add_tokens(user_id: str, tokens: int, at: datetime) -> None:
    """Add `tokens` to the user's count of the UTC day of `at`."""
    if tokens <= 0:
        return
    day = at.astimezone(UTC).date()
    start = datetime.combine(day, time(), UTC)
    RateLimit(_bucket(user_id, day)).update(
        actions=[
            RateLimit.hits.add(tokens),
            RateLimit.window_start.set(start),
            RateLimit.expires_at.set(start + timedelta(days=1) + KEEP_AFTER_DAY),
        ]
    )


def tokens_on(user_id: str, day: date) -> int:
    """The tokens of the user's model calls that ended on `day` (UTC), as recorded so far."""
    try:
        return int(RateLimit.get(_bucket(user_id, day), consistent_read=True).hits or 0)
    except DoesNotExist:
        return 0
