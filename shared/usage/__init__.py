"""Model usage: list prices, and the usage events that meter every model call."""

from shared.usage.events import ModelUsage, UsageKind, record
from shared.usage.prices import Price, cost_usd, price_for

__all__ = ["ModelUsage", "Price", "UsageKind", "cost_usd", "price_for", "record"]
