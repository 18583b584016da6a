"""One metered model call, and its record in the usage_events table (this module's).

`ModelUsage` stays a plain frozen dataclass: the model gateway builds one per request on its hot path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from shared.db import delete_all
from shared.models.base import utcnow
from shared.models.fields import time_sort_key
from shared.models.usage import UsageEvent, UsageKind
from shared.usage.daily import add_tokens

__all__ = ["ModelUsage", "UsageKind", "delete_for_user", "record"]


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
    """Write `usage` as a usage event, keyed by its user and the time the call ended, and add its tokens to the
    user's count of the day (what the daily token quota reads)."""
    fields = asdict(usage)
    at = fields.pop("at")
    UsageEvent(fields.pop("user_id"), time_sort_key(at), day=at.strftime("%Y-%m-%d"), created_at=at, **fields).save()
    add_tokens(usage.user_id, usage.tokens_in + usage.tokens_out, at)


def delete_for_user(user_id: str) -> int:
    return delete_all(UsageEvent, UsageEvent.query(user_id))
