"""Usage summed per day and month, scope and dimension, kept up to date as each usage event is recorded.

    partition "org#total"          key "<day>"                  every request of the day
              "org#user"               "<day>#<user id>"        by user (the organization's scope only)
              "org#project"            "<day>#<project id>"     by project ("none": a request of no project)
              "org#kind"               "<day>#<kind>"           by kind (chat, skill, scheduled_prompt, ...)
              "org#model"              "<day>#<model id>"       by model ("unknown": a request of no model)
              "org#session"            "<day>#<session id>"     by chat session (requests of a session only)
              "user#<id>#total", "user#<id>#project", ...       the same, of that user's requests (no "user")
    and beside each day item its month's: key "month#<YYYY-MM>[#<value>]" (sorts after every day's key)

A period is read as the month items of its whole calendar months and the day items of the days around them
(grouped by day, day items only): a month by user is one item per user, not one per user and day.

One usage event adds its amounts to 18 items (22 with a session), each with its own UpdateItem ADD. ADDs commute,
so events recorded at once never lose each other's amounts; a transaction would not help (transactions on the same
hot "total" item would conflict with each other) and would cost twice the write units. A partition per dimension
keeps a summary's Query to that dimension's items and spreads the organization's writes over six partition keys.
Every event adds to exactly one item per dimension, scope and period (sessions aside), so any dimension's rows sum
to the totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pynamodb.expressions.update import Action

from shared.db import delete_all
from shared.models.fields import SEP, composite
from shared.models.usage import UsageAggregate

ORG_SCOPE = "org"
NO_PROJECT = "none"
NO_MODEL = "unknown"
MONTH = "month"  # month items' keys start so: "month#2025-01[#value]", after every day's ("2025-...")
_AFTER_DAY = "~"  # sorts after "#" and every value: "<last day>~" bounds a range of days from above


class Dimension(StrEnum):
    TOTAL = "total"
    USER = "user"
    PROJECT = "project"
    KIND = "kind"
    MODEL = "model"
    SESSION = "session"


def user_scope(user_id: str) -> str:
    return composite("user", user_id)


@dataclass(frozen=True, slots=True)
class Amounts:
    """Tokens, cost and requests: of one event, or summed."""

    tokens_in: int = 0
    tokens_out: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.tokens_in + other.tokens_in,
            self.tokens_out + other.tokens_out,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.cost_usd + other.cost_usd,
            self.requests + other.requests,
        )


@dataclass(frozen=True, slots=True)
class Item:
    """One aggregate as read: its day or month, dimension value ("" for a total), amounts, (sessions) whose."""

    period: str  # "YYYY-MM-DD", or "YYYY-MM" for a month item
    value: str
    amounts: Amounts
    user_id: str | None = None
    project_id: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """What of a usage event the aggregates need."""

    user_id: str
    day: str  # YYYY-MM-DD
    kind: str
    model: str | None
    project_id: str | None
    session_id: str | None
    amounts: Amounts


def partition(scope: str, dimension: Dimension) -> str:
    return composite(scope, dimension)


def targets(event: Event) -> list[tuple[str, str]]:
    """The (partition, key) of every aggregate `event` adds to: each of its values, of its day and of its month."""
    values: dict[Dimension, str | None] = {
        Dimension.TOTAL: None,
        Dimension.PROJECT: event.project_id or NO_PROJECT,
        Dimension.KIND: event.kind,
        Dimension.MODEL: event.model or NO_MODEL,
    }
    if event.session_id:
        values[Dimension.SESSION] = event.session_id
    periods = (event.day, composite(MONTH, event.day[:7]))

    def keyed(scope: str, of: dict[Dimension, str | None]) -> list[tuple[str, str]]:
        return [
            (partition(scope, dimension), period if value is None else composite(period, value))
            for dimension, value in of.items()
            for period in periods
        ]

    return keyed(ORG_SCOPE, {**values, Dimension.USER: event.user_id}) + keyed(user_scope(event.user_id), values)


def add(event: Event) -> None:
    """Add the event's amounts to each of its aggregates: one UpdateItem ADD each."""
    amounts = event.amounts
    adds: list[Action] = [
        UsageAggregate.tokens_in.add(amounts.tokens_in),
        UsageAggregate.tokens_out.add(amounts.tokens_out),
        UsageAggregate.cache_read_tokens.add(amounts.cache_read_tokens),
        UsageAggregate.cache_write_tokens.add(amounts.cache_write_tokens),
        UsageAggregate.cost_usd.add(amounts.cost_usd),
        UsageAggregate.requests.add(amounts.requests),
    ]
    for place, key in targets(event):
        actions = adds
        if place.endswith(SEP + Dimension.SESSION):
            actions = [*adds, UsageAggregate.user_id.set(event.user_id)]
            if event.project_id:
                actions.append(UsageAggregate.project_id.set(event.project_id))
        UsageAggregate(place, key).update(actions=actions)


def read(scope: str, dimension: Dimension, first: date, last: date, *, by_day: bool = False) -> Iterator[Item]:
    """The scope's aggregates of one dimension for the days `first` to `last` (included): the month items of the
    whole calendar months in it, the day items of the days around them (or of every day, `by_day`)."""
    for low, high in _ranges(first, last, by_day=by_day):
        for row in UsageAggregate.query(partition(scope, dimension), UsageAggregate.key.between(low, high)):
            yield _item(row)


def _ranges(first: date, last: date, *, by_day: bool) -> list[tuple[str, str]]:
    """At most three key ranges: the leading days, the whole months, the trailing days."""
    whole_from = first if first.day == 1 else _next_month(first)
    ends_a_month = _next_month(last) - timedelta(days=1) == last
    whole_to = last if ends_a_month else last.replace(day=1) - timedelta(days=1)
    if by_day or whole_from > whole_to:
        return [_days(first, last)]
    ranges = [(composite(MONTH, f"{whole_from:%Y-%m}"), composite(MONTH, f"{whole_to:%Y-%m}") + _AFTER_DAY)]
    if first < whole_from:
        ranges.append(_days(first, whole_from - timedelta(days=1)))
    if whole_to < last:
        ranges.append(_days(whole_to + timedelta(days=1), last))
    return ranges


def _days(first: date, last: date) -> tuple[str, str]:
    return f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}{_AFTER_DAY}"


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _item(row: UsageAggregate) -> Item:
    period, *value = row.key.removeprefix(MONTH + SEP).split(SEP, 1)
    return Item(
        period=period,
        value=value[0] if value else "",
        amounts=Amounts(
            int(row.tokens_in or 0),
            int(row.tokens_out or 0),
            int(row.cache_read_tokens or 0),
            int(row.cache_write_tokens or 0),
            float(row.cost_usd or 0),
            int(row.requests or 0),
        ),
        user_id=row.user_id,
        project_id=row.project_id,
    )


def delete_for_user(user_id: str) -> int:
    """Delete the user's own scope. The organization's aggregates keep their share (its past spend stays whole)."""
    scope = user_scope(user_id)
    return sum(
        delete_all(UsageAggregate, UsageAggregate.query(partition(scope, dimension)))
        for dimension in Dimension
        if dimension is not Dimension.USER
    )
