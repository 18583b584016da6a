"""The costliest chat sessions of a period, from the boards of the months and days it is made of (boards.py): a
BatchGetItem of the boards and one of the winners' session items, not every session's items.

A session's cost over the period is the sum of its costs in each month or day of it. A board lists a session
only where it made that period's top SIZE; a full board that does not list it says it cost at most the board's
floor there. So, Fagin's threshold algorithm:

    bound(s)   its costs on the boards + the floors of the full boards it is not on      (it cost no more)
    threshold  the floors of every full board summed                                     (a session on no board)
    resolve sessions in order of bound, `limit` at a time: read their session items of every period they may
    have used, which gives their exact amounts; stop once the limit-th exact cost reaches both the next bound
    and the threshold: no session left can beat it.

A month the period covers only in part counts as the whole month when the scope used nothing on its other days
(one Query of its sheets, `limit` 1, each side): "this month so far" is one board, not a board a day. One period
(a month, a day) is its board's first `limit`, read once. Where the boards cannot settle it
(more than MAX_KEYS items to resolve, or a threshold nothing reaches), the answer comes from the session items of
the whole period, as before the boards: slower, and exact all the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

from shared.models.fields import composite
from shared.usage import aggregates, boards
from shared.usage.aggregates import Item
from shared.usage.layout import MONTH, ORG_SCOPE, Amounts, Dimension, next_month, split

MAX_KEYS = 2_000  # session items read to resolve candidates before falling back to the period's items
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A session and what its requests of the period cost."""

    session_id: str
    amounts: Amounts
    user_id: str | None
    project_id: str | None


def costliest(scope: str, whose: str | None, first: date, last: date, limit: int) -> list[Ranked]:
    """The `limit` sessions of `scope` ("org" or a user's) that cost the most from `first` to `last`, costliest
    first (ties by id). `whose`: the user of a user's scope, None for the organization."""
    held = boards.read(scope, _periods(scope, first, last))
    ranked = _from_boards(held, limit)
    return ranked if ranked is not None else _from_items(whose, first, last, limit)


def _periods(scope: str, first: date, last: date) -> list[str]:
    """The periods whose boards make up the days: its whole months; a month it covers in part, as a month too when
    the scope used nothing on that month's other days (this month so far: nothing after today); else day by day."""
    before, months, after = split(first, last)
    chosen = [composite(MONTH, month) for month in months]
    for month, days in groupby([*before, *after], key=lambda day: day.replace(day=1)):
        inside = list(days)
        outside = [(month, inside[0] - ONE_DAY), (inside[-1] + ONE_DAY, next_month(month) - ONE_DAY)]
        if any(start <= end and aggregates.used(scope, start, end) for start, end in outside):
            chosen += [f"{day:%Y-%m-%d}" for day in inside]
        else:
            chosen.append(composite(MONTH, f"{month:%Y-%m}"))
    return chosen


def _from_boards(held: dict[str, boards.Board], limit: int) -> list[Ranked] | None:
    """The top `limit` proven from the boards, or None if they cannot prove it cheaply."""
    costs = {period: board.costs() for period, board in held.items()}
    floors = {period: board.floor for period, board in held.items() if board.full}
    threshold = sum(floors.values())

    def spans(session_id: str) -> list[str]:
        """The periods the session may have used: those whose board lists it, and the full ones."""
        return [period for period in held if session_id in costs[period] or period in floors]

    bounds = {
        session_id: sum(costs[period].get(session_id, floors.get(period, 0.0)) for period in spans(session_id))
        for session_id in {session_id for listed in costs.values() for session_id in listed}
    }
    order = sorted(bounds, key=lambda session_id: (-bounds[session_id], session_id))
    if floors and (len(order) < limit or bounds[order[limit - 1]] < threshold):
        return None  # no `limit` sessions can reach the threshold: nothing to prove it with
    resolved: list[Ranked] = []
    keys_read = 0
    for start in range(0, len(order), limit):
        batch = order[start : start + limit]
        keys = [(period, session_id) for session_id in batch for period in spans(session_id)]
        keys_read += len(keys)
        if keys_read > MAX_KEYS:
            return None
        items = aggregates.sessions(keys)
        for session_id in batch:
            resolved.append(_ranked(session_id, (items.get((period, session_id)) for period in spans(session_id))))
        resolved.sort(key=lambda one: (-one.amounts.cost_usd, one.session_id))
        following = start + limit
        bar = max(threshold, bounds[order[following]] if following < len(order) else 0.0)
        if len(resolved) >= limit and resolved[limit - 1].amounts.cost_usd >= bar:
            return resolved[:limit]
    return None if floors else resolved[:limit]  # no full board: every session of the period was a candidate


def _ranked(session_id: str, items: Iterable[Item | None]) -> Ranked:
    found = [item for item in items if item is not None]
    owner = next((item for item in found if item.user_id), None)
    return Ranked(
        session_id,
        sum((item.amounts for item in found), Amounts()),
        owner.user_id if owner else None,
        owner.project_id if owner else None,
    )


def _from_items(whose: str | None, first: date, last: date, limit: int) -> list[Ranked]:
    """Every session item of the period (the organization's, of one user's sessions if `whose`), summed."""
    found: dict[str, list[Item]] = defaultdict(list)
    for item in aggregates.read(ORG_SCOPE, Dimension.SESSION, first, last):
        if whose is None or item.user_id == whose:
            found[item.value].append(item)
    ranked = [_ranked(session_id, items) for session_id, items in found.items()]
    return sorted(ranked, key=lambda one: (-one.amounts.cost_usd, one.session_id))[:limit]
