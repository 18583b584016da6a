"""Fixed-window rate limits kept in DynamoDB, so every Lambda instance counts the same attempts.

An attempt is counted and checked in one conditional write, before the work it guards (a password check, a
reset email): however many requests race, at most `limit` of them get through in a window.

    take ── ADD 1, if the window is current and its count is below the limit ─────────────────▶ taken
      │ condition failed: no window, a past one, or a full one
      ▼
    start a window at 1, if there is none or it has passed ────────────────────────────────────▶ taken
      │ condition failed: the window is current (a concurrent request may have just started it)
      ▼
    ADD 1 once more, on the same condition ────────────────────────────────────────────────────▶ taken
      │ condition failed: the window is full
      ▼
    refused: TooManyAttemptsError, naming the limit and when its window ends (Retry-After)

An attempt that went well is given back (ADD -1 in the window it was taken from), so a limit counts failures
and attempts in flight, not the sign-ins that worked.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from shared.accounts.errors import TooManyAttemptsError
from shared.db import condition_failed
from shared.models.accounts import RateLimit, RateLimitScope, rate_limit_bucket
from shared.models.base import utcnow

WINDOW = timedelta(minutes=15)
LIMITS = {
    RateLimitScope.LOGIN_IP: 50,
    RateLimitScope.LOGIN_USER_IP: 10,
    # Well above the per-address lockout: a stranger's address reaches at most 10 of these, so locking an owner
    # out takes many addresses; it bounds guessing spread over many addresses.
    RateLimitScope.LOGIN_USER: 100,
    RateLimitScope.RESET_USER: 5,
    RateLimitScope.RESET_IP: 20,
    # Far more than opening sessions and focusing a composer asks for (the web app sends one a minute per session
    # at most); each may start a Claude process, and a new chat's evicts the least recently used one.
    RateLimitScope.PREWARM_USER: 60,
}
# What a refusal names: the limit on the wire, and what there were too many of, for a person.
NAMES = {
    RateLimitScope.LOGIN_IP: ("signin_per_address", "sign-in attempts from your network address"),
    RateLimitScope.LOGIN_USER_IP: (
        "signin_per_account_and_address",
        "failed sign-ins to this account from your address",
    ),
    RateLimitScope.LOGIN_USER: (
        "signin_per_account",
        "failed sign-ins to this account from many addresses; it is locked for everyone for now",
    ),
    RateLimitScope.RESET_USER: ("reset_per_account", "password reset requests for this account"),
    RateLimitScope.RESET_IP: ("reset_per_address", "password reset requests from your network address"),
    RateLimitScope.PREWARM_USER: ("prewarm_per_account", "requests to start Claude ahead of a message"),
}
IPV6_PREFIX = 64  # one subscriber's IPv6 network: its addresses are one address to the limits


@dataclass(frozen=True, slots=True)
class Taken:
    """An attempt counted in a window, to give back if it went well."""

    bucket: str
    window_start: datetime


def address(ip: str) -> str:
    """The form of a client IP the limits count: the address, or for IPv6 its /64 (a subscriber holds all of it)."""
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def take(scope: RateLimitScope, *subject: str) -> Taken:
    """Count one attempt of the subject, or refuse it with 429 while its window is full; see the module's diagram."""
    bucket = rate_limit_bucket(scope, *subject)
    limit = LIMITS[scope]
    taken = _add(bucket, limit) or _start(bucket) or _add(bucket, limit)
    if taken is None:
        raise _refusal(scope, bucket)
    return taken


def take_each(*attempts: tuple[RateLimitScope, tuple[str, ...]]) -> list[Taken]:
    """Take each limit in order; when one refuses, give back those already taken (a refused attempt counts nowhere)."""
    taken: list[Taken] = []
    try:
        for scope, subject in attempts:
            taken.append(take(scope, *subject))
    except TooManyAttemptsError:
        give_back(*taken)
        raise
    return taken


def give_back(*taken: Taken) -> None:
    """Uncount attempts that went well, each in the window it was taken from (a new window owes it nothing)."""
    for attempt in taken:
        try:
            RateLimit(attempt.bucket).update(
                actions=[RateLimit.hits.add(-1)],
                condition=(RateLimit.window_start == attempt.window_start) & (RateLimit.hits > 0),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise


def clear(scope: RateLimitScope, *subject: str) -> None:
    """Forget a subject's attempts (an owner who got in from this address: their earlier typos no longer count)."""
    RateLimit(rate_limit_bucket(scope, *subject)).delete()


def _add(bucket: str, limit: int) -> Taken | None:
    counter = RateLimit(bucket)
    try:
        counter.update(
            actions=[RateLimit.hits.add(1)],
            condition=(RateLimit.window_start > utcnow() - WINDOW) & (RateLimit.hits < limit),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return Taken(bucket, counter.window_start)


def _start(bucket: str) -> Taken | None:
    now = utcnow()
    counter = RateLimit(bucket, hits=1, window_start=now, expires_at=now + WINDOW)
    try:
        counter.save(condition=RateLimit.bucket.does_not_exist() | (RateLimit.window_start <= now - WINDOW))
    except PutError as exc:
        if condition_failed(exc):
            return None
        raise
    return Taken(bucket, now)


def _refusal(scope: RateLimitScope, bucket: str) -> TooManyAttemptsError:
    try:
        window_start = RateLimit.get(bucket, consistent_read=True).window_start
    except DoesNotExist:  # cleared meanwhile: the next attempt starts afresh
        window_start = utcnow() - WINDOW
    seconds = int((window_start + WINDOW - utcnow()).total_seconds()) + 1
    limit, what = NAMES[scope]
    return TooManyAttemptsError(retry_after=max(1, seconds), limit=limit, what=what)
