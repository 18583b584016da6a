"""Usage summed per day and month, scope and dimension: added to as usage events are recorded, read by the dashboard.

The items and keys are `layout`'s. `add` writes a batch of events (one call's, or a turn's held by the gateway's
`Tally`) with one UpdateItem per item they touch, then offers each chat session's new cost to the boards of the
costliest sessions (`boards`). `read` gives a period's items of one dimension from at most three key ranges.

- **ADD**: ADDs commute, so batches added at once never lose each other's amounts. A transaction would not help
  (transactions on the same hot sheet would conflict with each other) and would cost twice the write units.
- **A sheet's maps must exist** before an ADD can reach inside them ("kinds.usd#chat"), and a SET creating them
  cannot share an expression with ADDs below them. So a sheet's ADD is conditional on its maps existing; the
  first write of a day or month fails that condition once, creates both empty maps (if_not_exists, so two first
  writers agree) and adds again: three writes once per sheet, one ever after.
- **Order**: the session items are written before their costs are offered to the boards, so a board never holds
  a cost the session items do not. An item that cannot be written is logged with what it lacks, the rest go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action

from shared.db import condition_failed, delete_all
from shared.logs import logger
from shared.models.fields import SEP, composite
from shared.models.usage import UsageAggregate
from shared.usage import boards
from shared.usage.layout import (
    AFTER_DAY,
    FIELD_CODES,
    MONTH,
    ORG_SCOPE,
    Amounts,
    Change,
    Dimension,
    Event,
    key_ranges,
    partition,
    plan,
    session_of,
    user_scope,
)

_AMOUNTS = tuple(FIELD_CODES)
_COST_DIGITS = 10  # a batch's summed cost, rounded past the events' own 8 digits (float sums drift further out)
_MAP_PATHS = 90  # ADDs inside the maps per UpdateItem: DynamoDB's expression stays far below its 4 KB


@dataclass(frozen=True, slots=True)
class Item:
    """One aggregate as read: its day or month, dimension value ("" for a total), amounts, (sessions) whose."""

    period: str  # "YYYY-MM-DD", or "YYYY-MM" for a month item
    value: str
    amounts: Amounts
    user_id: str | None = None
    project_id: str | None = None


@dataclass(slots=True)
class Added:
    """What `add` wrote: the items, those it could not, and the session costs it offered to the boards."""

    items: int = 0
    failed: int = 0
    offers: list[boards.Offer] = field(default_factory=list)


def add(events: Iterable[Event]) -> Added:
    """Add the events' amounts to every item they touch (one UpdateItem each), then offer their sessions' costs.

    An item that cannot be written is logged with the amounts it lacks, and the others are written all the same
    (a retry could count twice what an unanswered ADD did add)."""
    added = Added()
    for (place, key), change in plan(events).items():
        try:
            row = _write(place, key, change)
        except Exception:
            added.failed += 1
            lacks = {"item": [place, key], "lacks": asdict(change)}
            logger.exception("could not add to a usage aggregate", extra=lacks)
            continue
        added.items += 1
        session = session_of(place, key)
        if session is not None and change.user_id:
            period, session_id = session
            cost = float(row.cost_usd or 0)  # the session's cost of the period, this ADD's included (ALL_NEW)
            scopes = (ORG_SCOPE, user_scope(change.user_id))
            added.offers += [boards.Offer(scope, period, session_id, cost) for scope in scopes]
    for offer in added.offers:
        try:
            boards.offer(offer)
        except Exception:
            logger.exception("could not offer a session to its board", extra={"offer": asdict(offer)})
    return added


def _write(place: str, key: str, change: Change) -> UsageAggregate:
    row = UsageAggregate(place, key)
    actions = _adds(change.amounts, lambda name: getattr(UsageAggregate, name))
    if change.user_id:
        actions.append(UsageAggregate.user_id.set(change.user_id))
    if change.project_id:
        actions.append(UsageAggregate.project_id.set(change.project_id))
    if not change.is_sheet:
        row.update(actions=actions)
        return row
    inside = [
        action
        for name, by_value in (("kinds", change.kinds), ("models", change.models))
        for value, amounts in by_value.items()
        for action in _adds(amounts, _in_map(name, value))
    ]
    for start in range(0, len(inside), _MAP_PATHS):
        _add_to_sheet(row, (actions if start == 0 else []) + inside[start : start + _MAP_PATHS])
    return row


def _add_to_sheet(row: UsageAggregate, actions: list[Action]) -> None:
    """ADD inside the sheet's maps, creating them first if this is the sheet's first write."""
    try:
        row.update(actions=actions, condition=UsageAggregate.kinds.exists())
        return
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    maps = (UsageAggregate.kinds, UsageAggregate.models)
    UsageAggregate(row.partition, row.key).update(actions=[path.set(path | {}) for path in maps])
    row.update(actions=actions, condition=UsageAggregate.kinds.exists())


def _adds(amounts: Amounts, path: Callable[[str], Any]) -> list[Action]:
    """One ADD per amount, to `path(name)` (an attribute of the item, or a key of one of its maps)."""
    values: dict[str, float] = {name: getattr(amounts, name) for name in _AMOUNTS}
    values["cost_usd"] = round(values["cost_usd"], _COST_DIGITS)
    return [path(name).add(value) for name, value in values.items()]


def _in_map(name: str, value: str) -> Callable[[str], Path]:
    """Where an amount of `value` goes in the sheet's map `name`: "kinds.usd#chat"."""
    return lambda field: Path([name, composite(FIELD_CODES[field], value)])


def read(scope: str, dimension: Dimension, first: date, last: date, *, by_day: bool = False) -> Iterator[Item]:
    """The scope's items of one dimension for the days `first` to `last` (included): the month items of the
    whole calendar months in it, the day items of the days around them (or of every day, `by_day`). Kinds and
    models come out of the sheets, one Item per value."""
    place = partition(scope, dimension)
    totals_only = ["partition", "key", *_AMOUNTS] if dimension is Dimension.TOTAL else None  # not the maps
    for low, high in key_ranges(first, last, by_day=by_day):
        condition = UsageAggregate.key.between(low, high)
        for row in UsageAggregate.query(place, condition, attributes_to_get=totals_only):
            yield from _items(row, dimension)


def used(scope: str, first: date, last: date) -> bool:
    """Whether the scope has usage on any day from `first` to `last`: a day sheet, read by key only (Limit 1)."""
    days = UsageAggregate.key.between(f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}{AFTER_DAY}")
    return any(UsageAggregate.query(scope, days, limit=1, attributes_to_get=["partition", "key"]))


def sessions(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Item]:
    """The session items of these (period, session id) pairs that exist, by the pair: BatchGetItem, 100 a call."""
    place = partition(ORG_SCOPE, Dimension.SESSION)
    wanted = sorted({(place, composite(period, session_id)) for period, session_id in keys})
    found = {}
    for row in UsageAggregate.batch_get(wanted):
        period, _, session_id = row.key.rpartition(SEP)
        found[(period, session_id)] = _item(row, period.removeprefix(MONTH + SEP), session_id)
    return found


def _items(row: UsageAggregate, dimension: Dimension) -> Iterator[Item]:
    period, _, value = row.key.removeprefix(MONTH + SEP).partition(SEP)
    if dimension not in (Dimension.KIND, Dimension.MODEL):
        yield _item(row, period, value)
        return
    by_value: dict[str, dict[str, float]] = {}
    held = row.kinds if dimension is Dimension.KIND else row.models
    for map_key, amount in (held.as_dict() if held is not None else {}).items():
        code, _, name = map_key.partition(SEP)
        by_value.setdefault(name, {})[code] = amount
    for name, codes in by_value.items():
        yield Item(period, name, _amounts({field: codes.get(code, 0) for field, code in FIELD_CODES.items()}))


def _item(row: UsageAggregate, period: str, value: str) -> Item:
    amounts = _amounts({name: getattr(row, name) for name in _AMOUNTS})
    return Item(period, value, amounts, user_id=row.user_id, project_id=row.project_id)


def _amounts(values: dict[str, Any]) -> Amounts:
    return Amounts(
        int(values["tokens_in"] or 0),
        int(values["tokens_out"] or 0),
        int(values["cache_read_tokens"] or 0),
        int(values["cache_write_tokens"] or 0),
        float(values["cost_usd"] or 0),
        int(values["requests"] or 0),
    )


def delete_for_user(user_id: str) -> int:
    """Delete the user's own scope: their sheets, projects and boards. The organization's items keep their share
    (its past spend stays whole), the user's sessions among them."""
    scope = user_scope(user_id)
    return sum(
        delete_all(UsageAggregate, UsageAggregate.query(partition(scope, dimension)))
        for dimension in (Dimension.TOTAL, Dimension.PROJECT, Dimension.TOP)
    )
