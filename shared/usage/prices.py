"""List prices of the Claude models, and the cost of one call from its token counts.

Prices are US dollars per million tokens, from Anthropic's public price list. A cache write (the 5-minute cache)
costs 1.25 times the input price and a cache read 0.1 times. A model is priced by its family (opus, sonnet, haiku) and
generation, parsed from its id, so dated and Bedrock ids (`claude-sonnet-4-5-20250929`,
`us.anthropic.claude-3-5-haiku-20241022-v1:0`) need no entry of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1
_PER_TOKEN = 1 / 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    input: float  # per million tokens
    output: float


# Per family: (first generation at this price, price), oldest first. A generation between two entries costs what
# the older one does (Opus 4.1 is priced as Opus 4); one newer than every entry, as the newest (the closest
# family member we know). Sonnet has kept one price since Claude 3 (its >200k-token long-context rate is not
# modelled: the CLI reports no context tier).
PRICES: dict[str, tuple[tuple[tuple[int, ...], Price], ...]] = {
    "opus": (((3,), Price(15.0, 75.0)), ((4, 5), Price(5.0, 25.0))),
    "sonnet": (((3,), Price(3.0, 15.0)),),
    "haiku": (((3,), Price(0.25, 1.25)), ((3, 5), Price(0.80, 4.0)), ((4, 5), Price(1.0, 5.0))),
}
# A model of no known family (or no generation) is priced as the newest of the dearest family, so a budget is
# not under-counted.
UNKNOWN_FAMILY = "opus"

_DATE_OR_BEDROCK_SUFFIX = re.compile(r"-\d{8}|-v\d+(:\d+)?$|\[.*\]$")


def price_for(model: str | None) -> Price:
    """The list price of `model` (an id such as "claude-opus-4-1-20250805")."""
    words = re.split(r"[-.:@/_]", _DATE_OR_BEDROCK_SUFFIX.sub("", (model or "").lower()))
    family = next((word for word in words if word in PRICES), None)
    generation = tuple(int(word) for word in words if word.isdigit() and len(word) <= 2)
    entries = PRICES[family or UNKNOWN_FAMILY]
    if family is None or not generation:
        return entries[-1][1]
    chosen = entries[0][1]
    for since, price in entries:
        if since <= generation:
            chosen = price
    return chosen


def cost_usd(
    model: str | None, *, tokens_in: int, tokens_out: int, cache_read_tokens: int, cache_write_tokens: int
) -> float:
    """What one call cost at list price, in dollars (rounded to a millionth of a cent)."""
    price = price_for(model)
    total = (
        tokens_in * price.input
        + tokens_out * price.output
        + cache_write_tokens * price.input * CACHE_WRITE_FACTOR
        + cache_read_tokens * price.input * CACHE_READ_FACTOR
    )
    return round(total * _PER_TOKEN, 8)
