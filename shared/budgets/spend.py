"""Every recorded model call adds its cost and tokens to its user's month and to the organization's.

    record(usage)                   the model gateway's recorder (beside shared.usage.record)
      └ spend(user, tokens, cost, at)
          ├ UpdateItem ADD on "user#<id>" / "spend#YYYY-MM"       → the user's month after it
          ├ UpdateItem ADD on "organization" / "spend#YYYY-MM"    → the organization's month after it
          └ a budget of either now at 80 % or more whose warning this month is not yet marked sent:
                mark it sent (conditional) and, if this call marked it, warn (shared.budgets.notices)

Tokens are input plus output (what the daily token quota counts); cost is the call's list price, kept in integer
micro-dollars. An exempt user's calls count towards the organization's spend all the same.
"""

from __future__ import annotations

from datetime import datetime

from shared.budgets import months, notices, store
from shared.budgets.status import WARNING_PERCENT, Usage, usages
from shared.budgets.store import MICROS, ORGANIZATION_SCOPE, Spend, user_budget_scope
from shared.logs import logger
from shared.usage import ModelUsage


def record(usage: ModelUsage) -> None:
    """The gateway's recorder: spend one metered call."""
    spend(usage.user_id, usage.tokens_in + usage.tokens_out, usage.cost_usd, usage.at)


def spend(user_id: str, tokens: int, cost_usd: float, at: datetime) -> None:
    """Add a call's tokens and cost to the month of `at` (UTC), the user's and the organization's; warn at 80 %."""
    cost_micros = max(0, round(cost_usd * MICROS))
    tokens = max(0, tokens)
    if not tokens and not cost_micros:
        return
    start = months.start_of(at)
    mine = user_budget_scope(user_id)
    after = {
        scope: store.add(scope, start, cost_micros=cost_micros, tokens=tokens) for scope in (mine, ORGANIZATION_SCOPE)
    }
    limits, month = store.limits_of([mine, ORGANIZATION_SCOPE]), months.name(at)
    for key, scope in ((mine, "user"), (ORGANIZATION_SCOPE, ORGANIZATION_SCOPE)):
        if limits[key].exempt:  # an exempt user's own budget does not apply (the organization's is never exempt)
            continue
        for usage in usages(scope, limits[key], after[key]):
            if _due(usage, after[key]) and store.mark_warned(key, month, usage.unit):
                _warn(user_id, usage, month)


def _due(usage: Usage, spent: Spend) -> bool:
    """At 80 % or more, and not yet marked sent this month (the conditional write still decides)."""
    return usage.percent >= WARNING_PERCENT and usage.unit not in spent.warned


def _warn(user_id: str, usage: Usage, month: str) -> None:
    """Best effort: a warning that cannot be delivered is logged, never fails the call's recording."""
    try:
        notices.warn(user_id, usage, month)
    except Exception:
        logger.exception("could not deliver a budget warning", extra={"scope": usage.scope, "unit": usage.unit})
