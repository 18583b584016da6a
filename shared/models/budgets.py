"""Monthly budgets (shared.budgets): the limits an administrator sets and what each month has spent against them."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from shared.models.base import StudioModel
from shared.models.fields import composite

ORGANIZATION_SCOPE = "organization"
LIMITS_ITEM = "limits"


def user_budget_scope(user_id: str) -> str:
    """The budget scope of one user: "user#<id>"."""
    return composite("user", user_id)


def spend_item(month: str) -> str:
    """The item holding one month's spend: "spend#2026-03"."""
    return composite("spend", month)


class Budget(StudioModel):
    """A budget's limits (item "limits") and its spend of each month (item "spend#YYYY-MM"), per scope."""

    class Meta:
        logical_name = "budgets"

    scope = UnicodeAttribute(hash_key=True)  # "organization" or "user#<id>"
    item = UnicodeAttribute(range_key=True)  # "limits" or "spend#YYYY-MM"
    # The limits item: None is "no budget of this kind".
    monthly_usd_micros = NumberAttribute(null=True)  # millionths of a dollar
    monthly_tokens = NumberAttribute(null=True)
    exempt = BooleanAttribute(null=True)  # a user's: budgets never block this user
    updated_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    # A spend item: ADDed to by every recorded model call; `warned` holds the kinds ("usd", "tokens") whose 80 %
    # warning this month has been sent.
    cost_micros = NumberAttribute(null=True)
    tokens = NumberAttribute(null=True)
    warned = UnicodeSetAttribute(null=True)
    expires_at = TTLAttribute(null=True)  # a spend item's: housekeeping, a year and more after its month
