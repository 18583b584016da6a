"""The usage dashboard: tokens and cost of a period by day, user, project, kind or model; the costliest sessions;
a CSV of a summary. Everything is read from the aggregates (shared/usage/aggregates.py), never from the events:
a month grouped by day is 31 items, by user one per user.

Who sees what: an administrator, the whole organization or any one user; anyone else, only their own usage
(asking for another user's is refused, not silently narrowed).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Protocol

from shared.errors import PermissionDeniedError, ValidationError
from shared.usage import aggregates, top
from shared.usage.labels import Names
from shared.usage.layout import NO_PROJECT, ORG_SCOPE, Amounts, Dimension, user_scope
from shared.usage.schemas import MAX_PERIOD_DAYS, MAX_TOP_SESSIONS, GroupBy
from shared.usage.views import TopSession, UsageAmounts, UsageRow, UsageSummary

KIND_LABELS = {
    "chat": "Chat",
    "skill": "Skill",
    "scheduled_prompt": "Scheduled prompt",
    "research": "Research",
    "meeting_analysis": "Meeting analysis",
    "commit_message": "Commit message",
    "provider_test": "Provider test",
}
NO_PROJECT_LABEL = "(no project)"
CSV_COLUMNS = (
    "key", "label", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "costUsd", "requests"
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so as a formula
# Usage is recorded from the product's first day on; the bounds keep a period's neighbouring days and months (read
# to choose between day and month boards) within what `date` can represent.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)


class Caller(Protocol):
    @property
    def user_id(self) -> str: ...

    @property
    def is_admin(self) -> bool: ...


def summary(
    caller: Caller, from_day: date, to_day: date, group_by: GroupBy, user_id: str | None, *, names: Names
) -> UsageSummary:
    """The period's usage in `caller`'s reach (see the module), one row per value of `group_by`, and its totals;
    rows named by `names` (the other domains' reads, passed in by the API)."""
    _check_period(from_day, to_day)
    scope, whose = _scope(caller, user_id)
    one_user_by_user = group_by is GroupBy.USER and whose is not None
    # By day: the day's totals. One user's scope has no user items: their totals are their one row.
    dimension = Dimension.TOTAL if group_by is GroupBy.DAY or one_user_by_user else Dimension(group_by.value)
    sums: dict[str, Amounts] = defaultdict(Amounts)
    for item in aggregates.read(scope, dimension, from_day, to_day, by_day=group_by is GroupBy.DAY):
        key = item.period if group_by is GroupBy.DAY else str(whose) if one_user_by_user else item.value
        sums[key] += item.amounts
    shown = _labeller(group_by, names)(sums.keys())
    rows = [UsageRow(key=key, label=shown[key], **_wire(amounts)) for key, amounts in sums.items()]
    rows.sort(key=(lambda row: row.key) if group_by is GroupBy.DAY else (lambda row: (-row.cost_usd, row.key)))
    total = sum(sums.values(), Amounts())
    return UsageSummary(
        from_day=from_day,
        to_day=to_day,
        group_by=group_by.value,
        scope="organization" if whose is None else "user",
        user_id=whose,
        totals=UsageAmounts(**_wire(total)),
        rows=rows,
    )


def top_sessions(
    caller: Caller, from_day: date, to_day: date, limit: int, user_id: str | None, *, names: Names
) -> list[TopSession]:
    """The `limit` chat sessions that cost the most over the period, costliest first (shared/usage/top.py)."""
    _check_period(from_day, to_day)
    if not 1 <= limit <= MAX_TOP_SESSIONS:
        raise ValidationError(f"limit must be 1 to {MAX_TOP_SESSIONS}.", code="invalid_limit")
    scope, whose = _scope(caller, user_id)
    ranked = top.costliest(scope, whose, from_day, to_day, limit)
    titles = names.sessions(one.session_id for one in ranked)
    return [
        TopSession(
            session_id=one.session_id,
            user_id=one.user_id,
            project_id=one.project_id,
            label=titles[one.session_id],
            cost_usd=round(one.amounts.cost_usd, 8),
            input_tokens=one.amounts.tokens_in,
            output_tokens=one.amounts.tokens_out,
        )
        for one in ranked
    ]


def summary_csv(
    caller: Caller, from_day: date, to_day: date, group_by: GroupBy, user_id: str | None, *, names: Names
) -> tuple[str, str]:
    """The summary's rows as CSV with a header row, and a file name for it."""
    report = summary(caller, from_day, to_day, group_by, user_id, names=names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        amounts = (row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens)
        writer.writerow([_cell(row.key), _cell(row.label), *amounts, f"{row.cost_usd:.8f}", row.requests])
    whose = "-" + re.sub(r"[^A-Za-z0-9_-]", "", report.user_id) if report.user_id else ""
    return out.getvalue(), f"usage-by-{group_by.value}{whose}-{from_day}-to-{to_day}.csv"


def _check_period(from_day: date, to_day: date) -> None:
    if from_day < EARLIEST_DAY or to_day > LATEST_DAY:
        raise ValidationError(
            f"A period lies between {EARLIEST_DAY:%Y-%m-%d} and {LATEST_DAY:%Y-%m-%d}.", code="invalid_period"
        )
    if from_day > to_day:
        raise ValidationError("The period's start (from) is after its end (to).", code="invalid_period")
    if (to_day - from_day).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(f"A period is at most {MAX_PERIOD_DAYS} days.", code="invalid_period")


def _scope(caller: Caller, user_id: str | None) -> tuple[str, str | None]:
    """The aggregates' scope to read, and whose usage it is (None: the organization's)."""
    if caller.is_admin:
        return (ORG_SCOPE, None) if user_id is None else (user_scope(user_id), user_id)
    if user_id not in (None, caller.user_id):
        raise PermissionDeniedError("Only administrators may see another user's usage.", code="usage_of_others")
    return user_scope(caller.user_id), caller.user_id


def _labeller(group_by: GroupBy, names: Names) -> Callable[[Iterable[str]], dict[str, str]]:
    if group_by is GroupBy.USER:
        return names.users
    if group_by is GroupBy.PROJECT:
        return lambda keys: _project_labels(list(keys), names)
    if group_by is GroupBy.KIND:
        return lambda keys: {key: KIND_LABELS.get(key, key) for key in keys}
    return lambda keys: {key: key for key in keys}


def _project_labels(keys: list[str], names: Names) -> dict[str, str]:
    found = names.projects(key for key in keys if key != NO_PROJECT)
    return {key: NO_PROJECT_LABEL if key == NO_PROJECT else found[key] for key in keys}


def _wire(amounts: Amounts) -> dict[str, Any]:
    return {
        "input_tokens": amounts.tokens_in,
        "output_tokens": amounts.tokens_out,
        "cache_read_tokens": amounts.cache_read_tokens,
        "cache_write_tokens": amounts.cache_write_tokens,
        "cost_usd": round(amounts.cost_usd, 8),
        "requests": amounts.requests,
    }


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text
