"""The budgets an administrator sets: the organization's and each user's, per month, in dollars, tokens or both.

A limit left empty (null) is no budget of that kind. A user marked `exempt` is never blocked by a budget, neither
their own nor the organization's; their calls still count towards the organization's spend.
"""

from __future__ import annotations

import math

from pydantic import Field, StrictBool, StrictFloat, StrictInt

from shared.accounts import users
from shared.accounts.views import Account
from shared.budgets import store
from shared.budgets.store import MICROS, ORGANIZATION_SCOPE, Limits, user_budget_scope
from shared.errors import ValidationError
from shared.schema import Schema, View

MAX_USD = 10_000_000  # a month; more is a typing mistake
MAX_TOKENS = 1_000_000_000_000
Dollars = StrictInt | StrictFloat


class OrganizationBudget(Schema):
    """The organization's monthly budget (PUT /api/admin/budgets/organization); null: none of that kind."""

    monthly_usd: Dollars | None = Field(None, description=f"US dollars a calendar month (UTC), 0 to {MAX_USD:,}")
    monthly_tokens: StrictInt | None = Field(None, description=f"Input and output tokens a month, 0 to {MAX_TOKENS:,}")


class UserBudgetIn(OrganizationBudget):
    """A user's monthly budget (PUT /api/admin/budgets/users/{userId})."""

    exempt: StrictBool = Field(False, description="Never blocked by a budget, the user's own or the organization's")


class UserBudget(View):
    """One account's budget, as administrators list it (no budget: both limits null, not exempt)."""

    user_id: str
    username: str
    monthly_usd: float | None = None
    monthly_tokens: int | None = None
    exempt: bool = False


class Budgets(View):
    """GET /api/admin/budgets: the organization's budget and every account's."""

    organization: OrganizationBudget
    users: list[UserBudget]


def _limits(wanted: OrganizationBudget, exempt: bool = False) -> Limits:
    """`wanted` as stored, once each value is in range; otherwise a ValidationError naming the first that is not."""
    usd, tokens = wanted.monthly_usd, wanted.monthly_tokens
    if usd is not None and not (math.isfinite(usd) and 0 <= usd <= MAX_USD):
        raise ValidationError(f"'monthlyUsd' is an amount of dollars from 0 to {MAX_USD:,}, or null; not {usd}.")
    if tokens is not None and not 0 <= tokens <= MAX_TOKENS:
        raise ValidationError(f"'monthlyTokens' is a whole number from 0 to {MAX_TOKENS:,}, or null; not {tokens:,}.")
    return Limits(None if usd is None else round(usd * MICROS), tokens, exempt)


def _dollars(micros: int | None) -> float | None:
    return None if micros is None else micros / MICROS


def organization() -> OrganizationBudget:
    limits = store.limits_of([ORGANIZATION_SCOPE])[ORGANIZATION_SCOPE]
    return OrganizationBudget(monthly_usd=_dollars(limits.usd_micros), monthly_tokens=limits.tokens)


def _user_budget(account: Account, limits: Limits) -> UserBudget:
    return UserBudget(
        user_id=account.user_id,
        username=account.username,
        monthly_usd=_dollars(limits.usd_micros),
        monthly_tokens=limits.tokens,
        exempt=limits.exempt,
    )


def listing() -> Budgets:
    """The organization's budget and every account's (the users table is small: administration only)."""
    accounts = users.list_all()
    limits = store.limits_of([user_budget_scope(account.user_id) for account in accounts]) if accounts else {}
    return Budgets(
        organization=organization(),
        users=[_user_budget(account, limits[user_budget_scope(account.user_id)]) for account in accounts],
    )


def set_organization(wanted: OrganizationBudget, updated_by: str) -> OrganizationBudget:
    store.put_limits(ORGANIZATION_SCOPE, _limits(wanted), updated_by=updated_by)
    return organization()


def set_user(user_id: str, wanted: UserBudgetIn, updated_by: str) -> UserBudget:
    account = users.existing(user_id)
    limits = _limits(wanted, wanted.exempt)
    store.put_limits(user_budget_scope(user_id), limits, updated_by=updated_by)
    return _user_budget(account, limits)


def remove_user(user_id: str) -> None:
    """The user has no budget of their own any more (nor an exemption)."""
    users.existing(user_id)
    store.delete_limits(user_budget_scope(user_id))
