"""One metered model call, and its record in the usage_events table (this module's).

`ModelUsage` stays a plain frozen dataclass: the model gateway builds one per request on its hot path.

    record ── write: PutItem usage event ──▶ ADD tokens to the user's day (quota) ──▶ add: the aggregates (dashboard)

Each step starts only once the one before it succeeded, so the aggregates never count an event that was not
written. A step that fails raises: the gateway's ledger logs the whole row, which the aggregates then lack. The
gateway itself records through a `Tally` (tally.py), which writes each call's event and tokens at once and adds
the aggregates of a turn's calls together.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from shared.db import delete_all
from shared.models.base import utcnow
from shared.models.fields import time_sort_key
from shared.models.usage import UsageEvent, UsageKind
from shared.usage import aggregates, layout
from shared.usage.daily import add_tokens

__all__ = ["ModelUsage", "UsageKind", "delete_for_user", "record", "write"]


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """The tokens, cost and duration of one model call, and whose job it served."""

    user_id: str
    kind: str  # a UsageKind value
    model: str | None
    tokens_in: int
    tokens_out: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float
    duration_ms: int
    project_id: str | None = None
    session_id: str | None = None
    turn: int | None = None
    execution_id: str | None = None
    at: datetime = field(default_factory=utcnow)  # when the call ended (UTC)


def record(usage: ModelUsage) -> None:
    """Write `usage` as a usage event, keyed by its user and the time the call ended, add its tokens to the
    user's count of the day (what the daily token quota reads), and its amounts to the dashboard's aggregates."""
    aggregates.add([write(usage)])


def write(usage: ModelUsage) -> layout.Event:
    """The event and the day's tokens of `usage` (what must be there at once); what the aggregates will add."""
    fields = asdict(usage)
    at = fields.pop("at")
    day = at.strftime("%Y-%m-%d")
    UsageEvent(fields.pop("user_id"), time_sort_key(at), day=day, created_at=at, **fields).save()
    add_tokens(usage.user_id, usage.tokens_in + usage.tokens_out, at)
    return _aggregated(usage, day)


def _aggregated(usage: ModelUsage, day: str) -> layout.Event:
    amounts = layout.Amounts(
        usage.tokens_in,
        usage.tokens_out,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        usage.cost_usd,
        requests=1,
    )
    return layout.Event(
        usage.user_id, day, usage.kind, usage.model, usage.project_id, usage.session_id, amounts=amounts
    )


def delete_for_user(user_id: str) -> int:
    """Delete the user's usage events and their own aggregates (the organization's keep their share)."""
    return delete_all(UsageEvent, UsageEvent.query(user_id)) + aggregates.delete_for_user(user_id)
