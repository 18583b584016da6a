"""The audit_log table: rows are appended, never changed; reads go newest first through one day at a time, or
through the by-actor or by-target index when the filter names one.

    day (hash)   "YYYY-MM-DD"          sk (range)   "<ISO-8601 UTC>#<entry id>"
    by-actor     actor_id + sk          by-target    target_id + sk

Every sk of a day starts with that day, so a period is a `between` on sk, and "older than a cursor" is too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition

from shared.audit.errors import AuditWriteError
from shared.audit.views import AuditEntry
from shared.models.audit import AuditEntry as AuditRow
from shared.models.fields import time_sort_key

PAGE_SIZE = 100
_AFTER_EVERY_TIME = "~"  # sorts after any "THH:MM:SS..." that follows a day in sk


def append(entry: AuditEntry, *, expires_at: datetime) -> None:
    """Write the entry once (a second write of the same id would be a bug, so it is refused)."""
    row = AuditRow(
        entry.at.strftime("%Y-%m-%d"),
        time_sort_key(entry.at, entry.id),
        entry_id=entry.id,
        at=entry.at,
        action=entry.action,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        via=entry.via,
        target_type=entry.target.type,
        target_id=entry.target.id,
        target_name=entry.target.name,
        ip=entry.ip,
        user_agent=entry.user_agent,
        before=entry.before,
        after=entry.after,
        outcome=entry.outcome,
        expires_at=expires_at,
    )
    try:
        row.save(condition=AuditRow.sk.does_not_exist())
    except PynamoDBException as exc:
        raise AuditWriteError("The audit entry could not be stored.", code="audit_unavailable") from exc


def newest_first(
    first: date,
    last: date,
    *,
    below: str | None = None,
    actor_id: str | None = None,
    target_id: str | None = None,
    action: str | None = None,
) -> Iterator[tuple[str, AuditEntry]]:
    """(sk, entry) of the period's entries, newest first, older than the sk `below` when it is given."""
    high = min(f"{last.isoformat()}{_AFTER_EVERY_TIME}", below or _AFTER_EVERY_TIME * 2)
    low = first.isoformat()
    condition = AuditRow.action == action if action else None
    if actor_id and target_id:
        condition = (
            AuditRow.target_id == target_id if condition is None else condition & (AuditRow.target_id == target_id)
        )
    for row in _rows(low, high, actor_id=actor_id, target_id=target_id, condition=condition):
        if row.sk != below:
            yield row.sk, AuditEntry.of(row)


def _rows(
    low: str, high: str, *, actor_id: str | None, target_id: str | None, condition: Condition | None
) -> Iterator[AuditRow]:
    options = {"scan_index_forward": False, "filter_condition": condition, "page_size": PAGE_SIZE}
    span = AuditRow.sk.between(low, high)
    if actor_id:
        yield from AuditRow.by_actor.query(actor_id, span, **options)  # type: ignore[arg-type]
    elif target_id:
        yield from AuditRow.by_target.query(target_id, span, **options)  # type: ignore[arg-type]
    else:
        day = date.fromisoformat(high[:10])
        while day.isoformat() >= low:
            yield from AuditRow.query(day.isoformat(), span, **options)  # type: ignore[arg-type]
            day -= timedelta(days=1)
