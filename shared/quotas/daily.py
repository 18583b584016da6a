"""The daily quotas of model work, per user and UTC day (00:00-24:00 UTC): chat turns and model tokens.

    turns    a message accepted for a turn (`shared.chat.turns.accept`, before the turn is recorded or queued)
             takes one from `counter`'s window of a day, subject "quota#turns#<user>"; a full day refuses it  → 429
    tokens   every recorded model call adds its input and output tokens to the day's count
             (`shared.usage.record`); the model gateway asks `check_tokens` before it forwards a call and
             refuses one whose user's count has reached tokensPerDay                                        → 429

A refused message counts nowhere and creates nothing (no session, no turn). Tokens are counted when a call ends,
so the calls already running when the limit is reached finish, and a day can end a little over its limit; the
next call is refused.
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shared import usage
from shared.concurrency import soon
from shared.models.base import utcnow
from shared.quotas import counter, settings
from shared.quotas.errors import TokenQuotaError, TurnQuotaError

DAY = timedelta(days=1)


def take_turn(user_id: str, limits: Future[settings.QuotaSettings] | None = None) -> None:
    """Count one chat turn of the user, or refuse it (429, with when the day ends) when the day's are used up.

    With `limits` (the limits in force, being read), the turn is counted at once, against the day's limit as this
    process last read it, while they are read: the count does not wait for them. A limit changed since is
    applied then: a turn counted over it is given back and refused, one refused under it is counted again.
    """
    subject = f"quota#turns#{user_id}"
    guess = _LAST_LIMIT.get("turns")
    if limits is None or guess is None:
        limit = (limits.result() if limits is not None else settings.current()).turns_per_day
        _LAST_LIMIT["turns"] = limit
        window = counter.take(subject, limit=limit, length=DAY)
    else:
        window = counter.take(subject, limit=guess, length=DAY)
        try:
            limit = _LAST_LIMIT["turns"] = limits.result().turns_per_day
        except BaseException:
            if window.counted:  # the message is not accepted: it counts nowhere
                counter.give_back(subject, window)
            raise
        if window.counted and window.hits > limit:
            counter.give_back(subject, window)
            window = replace(window, counted=False)
        elif not window.counted and limit > guess:
            window = counter.take(subject, limit=limit, length=DAY)
    if not window.counted:
        raise TurnQuotaError(limit, window.end, window.seconds_left)


_LAST_LIMIT: dict[str, int] = {}  # "turns": turns a day, as this process last read it


def check_tokens(user_id: str) -> None:
    """Refuse (TokenQuotaError) a new model call of a user whose tokens today have reached tokensPerDay."""
    now = utcnow()
    current = soon(settings.current)  # at once with the count: the gateway waits for both
    used = usage.tokens_on(user_id, now.date())
    limit = current.result().tokens_per_day
    if used >= limit:
        resets_at = datetime.combine(now.date(), datetime.min.time(), UTC) + DAY
        raise TokenQuotaError(limit, used, resets_at, max(1, math.ceil((resets_at - now).total_seconds())))
