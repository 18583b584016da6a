"""What a refusal by a budget says: whose budget (the organization's or the user's), its limit, when it resets,
and who can raise it."""

from __future__ import annotations

from datetime import datetime

from shared.errors import RateLimitedError


class BudgetExceededError(RateLimitedError):
    """429 (at the model gateway): a monthly budget that applies to the user is used up."""

    code = "budget_exceeded"

    def __init__(self, *, scope: str, unit: str, limit: float, spent: float, resets_at: datetime) -> None:
        whose = "The organization's" if scope == "organization" else "Your"
        super().__init__(
            f"{whose} monthly budget of {amount(unit, limit)} is used up (resets on {resets_at.day} "
            f"{resets_at:%b %Y}). An administrator can raise it in Admin → Budgets."
        )
        self.details = {
            "budget": scope,
            "unit": unit,
            "limit": limit,
            "spent": spent,
            "resetsAt": f"{resets_at:%Y-%m-%dT%H:%M:%SZ}",
        }


def amount(unit: str, value: float) -> str:
    """A limit or a spend as a person reads it: "$500.00" or "2,000,000 tokens"."""
    return f"${value:,.2f}" if unit == "usd" else f"{int(value):,} tokens"
