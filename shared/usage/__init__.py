"""Model usage: list prices, the usage events that meter every model call (recorded one by one, or a turn at a
time by a `Tally`), and each user's tokens of a day."""

from shared.usage.daily import tokens_on
from shared.usage.events import ModelUsage, UsageKind, record
from shared.usage.prices import Price, cost_usd, price_for
from shared.usage.tally import Tally

__all__ = ["ModelUsage", "Price", "Tally", "UsageKind", "cost_usd", "price_for", "record", "tokens_on"]
