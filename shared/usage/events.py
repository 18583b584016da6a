"""One metered model call, and its record in the usage_events table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.db import delete_all
from shared.models.base import utcnow
from shared.models.fields import time_sort_key
from shared.models.usage import UsageEvent


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """The tokens, cost and duration of one model call, and whose job it served."""

    user_id: str
    kind: str  # a shared.models.UsageKind value
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


def record(usage: ModelUsage) -> UsageEvent:
    """Write `usage` as a usage event, keyed by its user and the time the call ended."""
    event = UsageEvent(
        usage.user_id,
        time_sort_key(usage.at),
        day=usage.at.strftime("%Y-%m-%d"),
        kind=usage.kind,
        session_id=usage.session_id,
        project_id=usage.project_id,
        turn=usage.turn,
        execution_id=usage.execution_id,
        model=usage.model,
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cost_usd=usage.cost_usd,
        duration_ms=usage.duration_ms,
        created_at=usage.at,
    )
    event.save()
    return event


def delete_for_user(user_id: str) -> int:
    return delete_all(UsageEvent, UsageEvent.query(user_id))
