"""What each turn or run cost (usage events) and how well it went (quality signals)."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow

_COST_FIELDS = ["tokens_in", "tokens_out", "cache_read_tokens", "cache_write_tokens", "cost_usd", "model"]


class UsageKind(StrEnum):
    CHAT = "chat"
    SKILL = "skill"
    SCHEDULED_PROMPT = "scheduled_prompt"
    RESEARCH = "research"
    MEETING_ANALYSIS = "meeting_analysis"
    COMMIT_MESSAGE = "commit_message"
    PROVIDER_TEST = "provider_test"  # the one-token call that tests a key or Bedrock credentials


class UsageBySessionIndex(GlobalSecondaryIndex["UsageEvent"]):
    """Sparse: the usage of one chat session (events without a session are absent)."""

    class Meta:
        index_name = "by-session"
        projection = IncludeProjection(_COST_FIELDS)

    session_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class UsageByDayIndex(GlobalSecondaryIndex["UsageEvent"]):
    """Everyone's usage of one UTC day, for the admin dashboard, without scanning the table."""

    class Meta:
        index_name = "by-day"
        projection = IncludeProjection([*_COST_FIELDS, "user_id", "kind"])

    day = UnicodeAttribute(hash_key=True)  # "YYYY-MM-DD"
    sk = UnicodeAttribute(range_key=True)


class UsageEvent(StudioModel):
    """The tokens and cost of one billable call, keyed by user and time."""

    class Meta:
        logical_name = "usage_events"

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # time_sort_key(): "<ISO-8601 UTC>#<id>", so ranges are by time
    day = UnicodeAttribute()
    kind = UnicodeAttribute(default=UsageKind.CHAT.value)
    session_id = UnicodeAttribute(null=True)
    project_id = UnicodeAttribute(null=True)
    turn = NumberAttribute(null=True)  # the raw_exchanges turn this event accounts for
    execution_id = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    tokens_in = NumberAttribute(default=0)
    tokens_out = NumberAttribute(default=0)
    cache_read_tokens = NumberAttribute(default=0)
    cache_write_tokens = NumberAttribute(default=0)
    cost_usd = NumberAttribute(default=0)
    duration_ms = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)

    by_session = UsageBySessionIndex()
    by_day = UsageByDayIndex()


class UsageAggregate(StudioModel):
    """Usage summed per day or month and scope, as each usage event is recorded; and the costliest sessions.

    Keys (docs/usage.md, shared/usage/layout.py): a scope's sheet is partition "org" or "user#<id>", key the day
    ("YYYY-MM-DD") or "month#YYYY-MM", holding the totals and, in `kinds` and `models`, the amounts by kind and by
    model ("<field>#<value>": "usd#chat"); by user, project or session, partition "<scope>#<dimension>" and key
    "<period>#<value>"; a board of the top sessions, partition "<scope>#top", key the period. Amounts are added
    to (UpdateItem ADD); a board is put whole on condition of its `revision`.
    """

    class Meta:
        logical_name = "usage_aggregates"

    partition = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    tokens_in = NumberAttribute(default=0)
    tokens_out = NumberAttribute(default=0)
    cache_read_tokens = NumberAttribute(default=0)
    cache_write_tokens = NumberAttribute(default=0)
    cost_usd = NumberAttribute(default=0)
    requests = NumberAttribute(default=0)
    kinds = MapAttribute[str, float](null=True)  # sheets: "<field>#<kind>" -> amount
    models = MapAttribute[str, float](null=True)  # sheets: "<field>#<model id>" -> amount
    user_id = UnicodeAttribute(null=True)  # session items: whose session
    project_id = UnicodeAttribute(null=True)  # session items: the session's project
    ranking = JSONAttribute(null=True)  # boards: [[session id, cost], ...], costliest first
    revision = NumberAttribute(null=True)  # boards: one more at each write (a VersionAttribute would guard the ADDs)


class QualityByUserIndex(GlobalSecondaryIndex["QualitySignal"]):
    """The signals of a user's turns, for the delete-user cascade."""

    class Meta:
        index_name = "by-user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    computed_at = UTCDateTimeAttribute(range_key=True)


class QualitySignal(StudioModel):
    """Response quality of one turn, computed after it finished (same keys as its raw exchange)."""

    class Meta:
        logical_name = "quality_signals"

    session_id = UnicodeAttribute(hash_key=True)
    turn = NumberAttribute(range_key=True)
    user_id = UnicodeAttribute()
    latency_ms = NumberAttribute(null=True)  # time to the first token
    duration_ms = NumberAttribute(null=True)
    tool_calls = NumberAttribute(default=0)
    tool_errors = NumberAttribute(default=0)
    refusal = BooleanAttribute(default=False)
    truncated = BooleanAttribute(default=False)  # stopped on max tokens or aborted
    user_correction = BooleanAttribute(default=False)  # the next prompt reads as a correction of this answer
    computed_at = UTCDateTimeAttribute(default=utcnow)

    by_user = QualityByUserIndex()
