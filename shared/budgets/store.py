"""The `budgets` table: each scope's limits (item "limits") and its spend of each month (item "spend#YYYY-MM").

    scope "organization" or "user#<id>"
      ├─ "limits"          monthly_usd_micros?, monthly_tokens?, exempt (a user's)     put by an administrator
      └─ "spend#2026-03"   cost_micros, tokens, warned {"usd", "tokens"}               ADDed by each model call

Spend is in integers (micro-dollars and tokens), so concurrent ADDs stay exact. A month's spend item is created by
its first ADD and never reset: the next month is another item. A warning is marked sent by adding its kind to
`warned` on condition it is not there yet, so one is sent however many calls cross 80 % at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from shared.db import condition_failed, delete_all
from shared.models.base import utcnow
from shared.models.budgets import (
    LIMITS_ITEM,
    ORGANIZATION_SCOPE,
    Budget,
    spend_item,
    user_budget_scope,
)

MICROS = 1_000_000
KEEP_AFTER_MONTH = timedelta(days=400)  # housekeeping only: a year of past months stays readable

__all__ = ["ORGANIZATION_SCOPE", "Limits", "Spend", "user_budget_scope"]


@dataclass(frozen=True, slots=True)
class Limits:
    """One scope's limits: None is "no budget of this kind"."""

    usd_micros: int | None = None
    tokens: int | None = None
    exempt: bool = False


@dataclass(frozen=True, slots=True)
class Spend:
    """One scope's spend of one month, and the warnings already sent for it."""

    cost_micros: int = 0
    tokens: int = 0
    warned: frozenset[str] = frozenset()


def _limits(row: Budget | None) -> Limits:
    if row is None:
        return Limits()
    return Limits(
        usd_micros=None if row.monthly_usd_micros is None else int(row.monthly_usd_micros),
        tokens=None if row.monthly_tokens is None else int(row.monthly_tokens),
        exempt=bool(row.exempt),
    )


def _spend(row: Budget | None) -> Spend:
    if row is None:
        return Spend()
    return Spend(int(row.cost_micros or 0), int(row.tokens or 0), frozenset(row.warned or ()))


def read(scopes: list[str], month: str) -> tuple[dict[str, Limits], dict[str, Spend]]:
    """The limits of `scopes` and their spend of `month`, in one BatchGetItem."""
    keys = [(scope, item) for scope in scopes for item in (LIMITS_ITEM, spend_item(month))]
    rows = {(row.scope, row.item): row for row in Budget.batch_get(keys, consistent_read=True)}
    limits = {scope: _limits(rows.get((scope, LIMITS_ITEM))) for scope in scopes}
    spend = {scope: _spend(rows.get((scope, spend_item(month)))) for scope in scopes}
    return limits, spend


def limits_of(scopes: list[str]) -> dict[str, Limits]:
    """The limits of `scopes` (absent ones: no budget), in one BatchGetItem."""
    rows = {row.scope: row for row in Budget.batch_get([(scope, LIMITS_ITEM) for scope in scopes])}
    return {scope: _limits(rows.get(scope)) for scope in scopes}


def put_limits(scope: str, limits: Limits, *, updated_by: str) -> None:
    Budget(
        scope,
        LIMITS_ITEM,
        monthly_usd_micros=limits.usd_micros,
        monthly_tokens=limits.tokens,
        exempt=limits.exempt if scope != ORGANIZATION_SCOPE else None,
        updated_by=updated_by,
        updated_at=utcnow(),
    ).save()


def delete_limits(scope: str) -> None:
    Budget(scope, LIMITS_ITEM).delete()


def add(scope: str, month_start: datetime, *, cost_micros: int, tokens: int) -> Spend:
    """Add one call's cost and tokens to the scope's month (one UpdateItem); the month's spend after it."""
    row = Budget(scope, spend_item(f"{month_start:%Y-%m}"))
    row.update(
        actions=[
            Budget.cost_micros.add(cost_micros),
            Budget.tokens.add(tokens),
            Budget.expires_at.set(month_start + KEEP_AFTER_MONTH),
        ]
    )
    return _spend(row)


def mark_warned(scope: str, month: str, kind: str) -> bool:
    """Record that the month's `kind` warning of the scope is sent; False if it already was (send nothing)."""
    row = Budget(scope, spend_item(month))
    try:
        row.update(actions=[Budget.warned.add({kind})], condition=~Budget.warned.contains(kind))
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def delete_for_user(user_id: str) -> int:
    return delete_all(Budget, Budget.query(user_budget_scope(user_id)))
