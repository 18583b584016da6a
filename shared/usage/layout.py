"""Where usage events' amounts are added: the aggregate items and their keys (pure: docs/usage.md).

    partition "org"                  key <period>              the organization's sheet: totals, and by kind and by
                                                               model in two maps ("<field>#<value>": "usd#chat")
              "user#<id>"                <period>              that user's sheet
              "org#user"                 <period>#<user id>    by user (the organization's scope only)
              "org#project"              <period>#<project id> by project ("none": requests of no project)
              "user#<id>#project"        <period>#<project id> that user's, by project
              "org#session"              <period>#<session id> by chat session, with its user and project
              "org#top", "user#<id>#top" <period>              the period's costliest sessions (boards.py)
    <period> is a day, "YYYY-MM-DD", or a month, "month#YYYY-MM" ("m" sorts after every day's key)

An event adds to five items of its day and the same five of its month (six with a chat session): `plan` merges
any number of events into one change per item, so a batch costs one UpdateItem per distinct item, however many
events it holds. Kinds and models share the sheet because they are few (7 kinds, a handful of models a month):
the sheet stays a few KB. Users, projects and sessions are unbounded, so each value keeps an item of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from shared.models.fields import SEP, composite

ORG_SCOPE = "org"
NO_PROJECT = "none"
NO_MODEL = "unknown"
MONTH = "month"  # month items' keys start so: "month#2025-01[#value]", after every day's ("2025-...")
AFTER_DAY = "~"  # sorts after "#" and every value: "<last day>~" bounds a range of days from above
# A sheet's map keys: "<code>#<value>", one per amount.
FIELD_CODES = {
    "tokens_in": "in",
    "tokens_out": "out",
    "cache_read_tokens": "cr",
    "cache_write_tokens": "cw",
    "cost_usd": "usd",
    "requests": "n",
}


class Dimension(StrEnum):
    TOTAL = "total"
    USER = "user"
    PROJECT = "project"
    KIND = "kind"
    MODEL = "model"
    SESSION = "session"
    TOP = "top"  # the boards: not a dimension of amounts


def user_scope(user_id: str) -> str:
    return composite("user", user_id)


def partition(scope: str, dimension: Dimension) -> str:
    """The partition of a scope's dimension; a sheet (totals, kinds, models) is the scope's own partition."""
    return scope if dimension in (Dimension.TOTAL, Dimension.KIND, Dimension.MODEL) else composite(scope, dimension)


def month_of(day: str) -> str:
    return composite(MONTH, day[:7])


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
class Event:
    """What of a usage event the aggregates need."""

    user_id: str
    day: str  # YYYY-MM-DD
    kind: str
    model: str | None
    project_id: str | None
    session_id: str | None
    amounts: Amounts


@dataclass(slots=True)
class Change:
    """What a batch of events adds to one item: its amounts, by kind and model (sheets), whose (sessions)."""

    amounts: Amounts = Amounts()
    kinds: dict[str, Amounts] = field(default_factory=dict)
    models: dict[str, Amounts] = field(default_factory=dict)
    user_id: str | None = None
    project_id: str | None = None

    @property
    def is_sheet(self) -> bool:
        return bool(self.kinds)


def plan(events: Iterable[Event]) -> dict[tuple[str, str], Change]:
    """Every item the events add to, (partition, key), with the sum of what they add to it."""
    changes: dict[tuple[str, str], Change] = {}

    def change(place: str, key: str) -> Change:
        return changes.setdefault((place, key), Change())

    for event in events:
        mine, amounts = user_scope(event.user_id), event.amounts
        project = event.project_id or NO_PROJECT
        for period in (event.day, month_of(event.day)):
            for scope in (ORG_SCOPE, mine):
                sheet = change(scope, period)
                sheet.amounts += amounts
                sheet.kinds[event.kind] = sheet.kinds.get(event.kind, Amounts()) + amounts
                model = event.model or NO_MODEL
                sheet.models[model] = sheet.models.get(model, Amounts()) + amounts
                change(partition(scope, Dimension.PROJECT), composite(period, project)).amounts += amounts
            change(partition(ORG_SCOPE, Dimension.USER), composite(period, event.user_id)).amounts += amounts
            if event.session_id:
                session = change(partition(ORG_SCOPE, Dimension.SESSION), composite(period, event.session_id))
                session.amounts += amounts
                session.user_id, session.project_id = event.user_id, event.project_id or session.project_id
    return changes


def session_of(place: str, key: str) -> tuple[str, str] | None:
    """(period, session id) of a session item's keys; None for any other item."""
    if place != partition(ORG_SCOPE, Dimension.SESSION):
        return None
    period, _, session_id = key.rpartition(SEP)
    return period, session_id


def split(first: date, last: date) -> tuple[list[date], list[str], list[date]]:
    """The days before the period's first whole calendar month, its whole months ("YYYY-MM"), the days after."""
    whole_from = first if first.day == 1 else next_month(first)
    whole_to = last if next_month(last) - timedelta(days=1) == last else last.replace(day=1) - timedelta(days=1)
    if whole_from > whole_to:
        return days(first, last), [], []
    months, month = [], whole_from
    while month <= whole_to:
        months.append(f"{month:%Y-%m}")
        month = next_month(month)
    return days(first, whole_from - timedelta(days=1)), months, days(whole_to + timedelta(days=1), last)


def key_ranges(first: date, last: date, *, by_day: bool) -> list[tuple[str, str]]:
    """At most three key ranges covering the period: the leading days, the whole months, the trailing days (or
    every day, `by_day`). A value's key ("<period>#<value>") falls inside its period's range."""
    before, months, after = ([], [], []) if by_day else split(first, last)
    if by_day or not months:
        return [_days(first, last)]
    ranges = [(composite(MONTH, months[0]), composite(MONTH, months[-1]) + AFTER_DAY)]
    ranges += [_days(run[0], run[-1]) for run in (before, after) if run]
    return ranges


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _days(first: date, last: date) -> tuple[str, str]:
    return f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}{AFTER_DAY}"
