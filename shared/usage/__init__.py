"""Model usage: list prices, the usage events that meter every model call, and each user's tokens of a day."""

from shared.usage.daily import tokens_on
from shared.usage.events import ModelUsage, UsageKind, record
from shared.usage.prices import Price, cost_usd, price_for

__all__ = ["ModelUsage", "Price", "UsageKind", "cost_usd", "price_for", "record", "tokens_on"]
