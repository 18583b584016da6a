"""Where a user stands against the budgets that apply to them this month, and the model gateway's check.

    applicable   the user's own budget (dollars, tokens) and the organization's; none at all for an exempt user
    percent      the highest ratio of spent to limit among them, in per cent
    state        "blocked" at 100 % or more (the gateway refuses the next call), "warning" from 80 %, else "ok"

Spend is counted when a call ends, so the calls running when a budget fills up finish and a month can end a
little over it; the next call is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.budgets import months, store
from shared.budgets.errors import BudgetExceededError
from shared.budgets.store import MICROS, ORGANIZATION_SCOPE, Limits, Spend, user_budget_scope
from shared.models.base import utcnow
from shared.schema import Schema

WARNING_PERCENT = 80.0
BLOCKED_PERCENT = 100.0


@dataclass(frozen=True, slots=True)
class Usage:
    """One budget that applies and what its month has spent."""

    scope: str  # "organization" or "user"
    unit: str  # "usd" or "tokens"
    limit: float  # dollars or tokens
    spent: float

    @property
    def used_up(self) -> bool:
        return self.spent >= self.limit

    @property
    def percent(self) -> float:
        if self.limit <= 0:  # a budget of zero: nothing may be spent
            return BLOCKED_PERCENT
        return self.spent / self.limit * 100


def usages(scope: str, limits: Limits, spend: Spend) -> list[Usage]:
    """The budgets a scope's limits set, each with its spend (dollars in dollars)."""
    found = []
    if limits.usd_micros is not None:
        found.append(Usage(scope, "usd", limits.usd_micros / MICROS, spend.cost_micros / MICROS))
    if limits.tokens is not None:
        found.append(Usage(scope, "tokens", limits.tokens, spend.tokens))
    return found


def _read(user_id: str, now: datetime) -> tuple[dict[str, Limits], dict[str, Spend]]:
    return store.read([ORGANIZATION_SCOPE, user_budget_scope(user_id)], months.name(now))


def _applicable(user_id: str, limits: dict[str, Limits], spend: dict[str, Spend]) -> list[Usage]:
    mine = user_budget_scope(user_id)
    if limits[mine].exempt:
        return []
    return usages("user", limits[mine], spend[mine]) + usages(
        ORGANIZATION_SCOPE, limits[ORGANIZATION_SCOPE], spend[ORGANIZATION_SCOPE]
    )


def check(user_id: str) -> None:
    """Refuse (BudgetExceededError) a new model call of a user a used-up budget applies to: the gateway's check."""
    now = utcnow()
    limits, spend = _read(user_id, now)
    for usage in _applicable(user_id, limits, spend):
        if usage.used_up:
            raise BudgetExceededError(
                scope=usage.scope,
                unit=usage.unit,
                limit=usage.limit,
                spent=usage.spent,
                resets_at=months.next_start(now),
            )


class OrganizationStanding(Schema):
    limit_usd: float | None
    limit_tokens: int | None
    spent_usd: float
    spent_tokens: int


class UserLimits(Schema):
    limit_usd: float | None
    limit_tokens: int | None
    exempt: bool


class MyBudget(Schema):
    """GET /api/budgets/me: the caller's month against the budgets that apply to them."""

    month: str
    spent_usd: float
    spent_tokens: int
    organization: OrganizationStanding
    user: UserLimits
    percent: float
    state: Literal["ok", "warning", "blocked"]
    resets_at: datetime


def state_of(percent: float) -> Literal["ok", "warning", "blocked"]:
    if percent >= BLOCKED_PERCENT:
        return "blocked"
    return "warning" if percent >= WARNING_PERCENT else "ok"


def mine(user_id: str) -> MyBudget:
    now = utcnow()
    limits, spend = _read(user_id, now)
    own, org = limits[user_budget_scope(user_id)], limits[ORGANIZATION_SCOPE]
    percent = max((usage.percent for usage in _applicable(user_id, limits, spend)), default=0.0)
    return MyBudget(
        month=months.name(now),
        spent_usd=spend[user_budget_scope(user_id)].cost_micros / MICROS,
        spent_tokens=spend[user_budget_scope(user_id)].tokens,
        organization=OrganizationStanding(
            limit_usd=None if org.usd_micros is None else org.usd_micros / MICROS,
            limit_tokens=org.tokens,
            spent_usd=spend[ORGANIZATION_SCOPE].cost_micros / MICROS,
            spent_tokens=spend[ORGANIZATION_SCOPE].tokens,
        ),
        user=UserLimits(
            limit_usd=None if own.usd_micros is None else own.usd_micros / MICROS,
            limit_tokens=own.tokens,
            exempt=own.exempt,
        ),
        percent=round(percent, 1),
        state=state_of(percent),
        resets_at=months.next_start(now),
    )
