"""The usage dashboard's reads of a month with 100,000 usage events, and the DynamoDB writes of a model call.

In-process moto (no network: the figures are the code's own work plus moto's). January 2030 holds EVENTS usage
events of USERS users, PROJECTS projects (and none), every kind, MODELS models and SESSIONS chat sessions:

- every event is written to usage_events (batch writes), so the naive read has something to read;
- SAMPLE of them go through `shared.usage.record()` (the event, the quota count, the aggregates and the boards of
  the top sessions, as one call recorded alone writes them); then the aggregates are summed here over all EVENTS
  with the same `layout.plan()` and put as items, and each board as the top sessions of its period (synthetic:
  100,000 x 12 UpdateItems in moto would take long and prove nothing the unit tests do not), so the table holds
  what record() would have left.

Then `dashboard.summary()` for the month, grouped by day, user and model, RUNS times each (an administrator: the
whole organization; labels read too); `dashboard.top_sessions()` for the month, as it was read before the boards
(every session's month item) and from its board, and for its first 15 days (day boards); and the naive way (Query
each user's events of the month by the table's key, and sum them: every event read) NAIVE_RUNS times. The two must
agree on the totals. Last, the DynamoDB writes of one call recorded alone and of a turn of TURN calls through the
gateway's `Tally`, counted per operation.

moto answers a Query by testing every item of the table, which DynamoDB never does (it reads the partition's key
range): with 124,000 aggregate items that alone took 3.6 s per summary. `partitioned_queries()` makes moto read only
the partition for a Query on a table's own key, so both ways are measured by what they read, as on DynamoDB.
Run: `.venv/bin/python -m bench.usage`.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from botocore.client import BaseClient
from moto.dynamodb.models.table import Table

from bench.moto import in_process_moto
from bench.stats import row
from shared.api.routes.usage import domain_names
from shared.models.accounts import RateLimit, User
from shared.models.chat import Session
from shared.models.fields import time_sort_key
from shared.models.projects import Project
from shared.models.usage import UsageAggregate, UsageEvent
from shared.usage import ModelUsage, Tally, aggregates, boards, dashboard, layout, record, top
from shared.usage.schemas import GroupBy
from shared.usage.views import UsageSummary

EVENTS = 100_000
SAMPLE = 300  # of them through record()
USERS, PROJECTS, SESSIONS = 50, 30, 5_000
KINDS = ("chat", "skill", "scheduled_prompt", "research", "meeting_analysis", "commit_message")
MODELS = ("claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "claude-opus-4-5")
FIRST, LAST = date(2030, 1, 1), date(2030, 1, 31)
RUNS, NAIVE_RUNS = 20, 1  # the naive read takes some 100 s in moto
TURN = 8  # calls of one turn through a Tally
NAMES = domain_names()  # what the routes pass the dashboard
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
# Before the sheets and the Tally (c47d6ff): the event, the day's tokens and 18 ADDs a call (22 with a session).
WRITES_BEFORE = {"no session": 20, "session": 24}


@dataclass(frozen=True)
class Admin:
    user_id: str = "bench-admin"
    is_admin: bool = True


@contextmanager
def partitioned_queries() -> Iterator[None]:
    """A Query on a table's own hash key tests only that partition's items (an index's Query is left as it is)."""
    original = Table.query

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None or not self.has_range_key:
            return original(self, hash_key, *args, **kwargs)
        self.all_items = lambda: list(self.items.get(hash_key, {}).values())  # type: ignore[method-assign]
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original  # type: ignore[method-assign]


def _calls(rng: random.Random) -> list[ModelUsage]:
    users = [f"user{n:02d}" for n in range(USERS)]
    projects = [f"project{n:02d}" for n in range(PROJECTS)]
    calls = []
    for _ in range(EVENTS):
        at = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(31 * 86_400))
        session = rng.randrange(SESSIONS)
        tokens_in, tokens_out = rng.randrange(50, 5_000), rng.randrange(10, 2_000)
        calls.append(
            ModelUsage(
                user_id=users[session % USERS],
                kind=rng.choice(KINDS),
                model=rng.choice(MODELS),
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cache_read_tokens=rng.randrange(0, 50_000),
                cache_write_tokens=rng.randrange(0, 5_000),
                cost_usd=round((tokens_in * 3 + tokens_out * 15) / 1_000_000, 8),
                duration_ms=1_000,
                project_id=projects[session % PROJECTS] if session % 7 else None,
                session_id=f"session{session:05d}" if session % 3 else None,
                at=at,
            )
        )
    return calls


def _populate(calls: list[ModelUsage]) -> list[float]:
    """Every event into usage_events: the sample through record(), the rest by batch writes. Then the month's
    aggregates and boards, summed here over every event (the sample's too), put over what record() wrote.
    Returns how long each record() took."""
    recorded = []
    for one in calls[:SAMPLE]:
        start = time.perf_counter()
        record(one)
        recorded.append((time.perf_counter() - start) * 1000)
    with UsageEvent.batch_write() as batch:
        for one in calls[SAMPLE:]:
            batch.save(_event(one, one.at.strftime("%Y-%m-%d")))
    changes = layout.plan(_aggregated(one) for one in calls)
    rankings: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    with UsageAggregate.batch_write() as batch:
        for (place, key), change in changes.items():
            batch.save(_aggregate(place, key, change))
            session = layout.session_of(place, key)
            if session and change.user_id:
                for scope in (layout.ORG_SCOPE, layout.user_scope(change.user_id)):
                    rankings[(scope, session[0])][session[1]] = change.amounts.cost_usd
    with UsageAggregate.batch_write() as batch:
        for (scope, period), costs in rankings.items():
            ranking = sorted(costs.items(), key=lambda pair: (-pair[1], pair[0]))[: boards.SIZE]
            place = layout.partition(scope, layout.Dimension.TOP)
            batch.save(UsageAggregate(place, period, ranking=[list(pair) for pair in ranking], revision=1))
    with User.batch_write() as batch:
        for n in range(USERS):
            name = f"person{n:02d}"
            batch.save(User(f"user{n:02d}", username=name, username_key=name, password_hash="-"))
    with Project.batch_write() as batch:
        for n in range(PROJECTS):
            name = f"Project {n:02d}"
            batch.save(Project(f"project{n:02d}", owner_id="user00", name=name, name_key=name, s3_prefix="-"))
    return recorded


def _aggregated(one: ModelUsage) -> layout.Event:
    amounts = layout.Amounts(
        one.tokens_in, one.tokens_out, one.cache_read_tokens, one.cache_write_tokens, one.cost_usd, requests=1
    )
    day = one.at.strftime("%Y-%m-%d")
    return layout.Event(one.user_id, day, one.kind, one.model, one.project_id, one.session_id, amounts=amounts)


def _aggregate(place: str, key: str, change: layout.Change) -> UsageAggregate:
    def fields(amounts: layout.Amounts) -> dict[str, float]:
        values = {name: getattr(amounts, name) for name in layout.FIELD_CODES}
        return values | {"cost_usd": round(values["cost_usd"], 8)}

    def in_map(by_value: dict[str, layout.Amounts]) -> dict[str, float]:
        return {
            f"{code}#{value}": amount
            for value, amounts in by_value.items()
            for code, amount in zip(layout.FIELD_CODES.values(), fields(amounts).values(), strict=True)
        }

    amounts = change.amounts
    row = UsageAggregate(
        place,
        key,
        tokens_in=amounts.tokens_in,
        tokens_out=amounts.tokens_out,
        cache_read_tokens=amounts.cache_read_tokens,
        cache_write_tokens=amounts.cache_write_tokens,
        cost_usd=round(amounts.cost_usd, 8),
        requests=amounts.requests,
        user_id=change.user_id,
        project_id=change.project_id,
    )
    if change.is_sheet:
        row.kinds, row.models = in_map(change.kinds), in_map(change.models)  # type: ignore[assignment]
    return row


def _event(one: ModelUsage, day: str) -> UsageEvent:
    return UsageEvent(
        one.user_id,
        time_sort_key(one.at),
        day=day,
        kind=one.kind,
        model=one.model,
        project_id=one.project_id,
        session_id=one.session_id,
        tokens_in=one.tokens_in,
        tokens_out=one.tokens_out,
        cache_read_tokens=one.cache_read_tokens,
        cache_write_tokens=one.cache_write_tokens,
        cost_usd=one.cost_usd,
        duration_ms=one.duration_ms,
        created_at=one.at,
    )


def _naive_totals() -> tuple[float, int]:
    """Every event of the month, each user's read by the table's key: (cost, requests)."""
    cost, requests = 0.0, 0
    month = UsageEvent.sk.between(f"{FIRST:%Y-%m-%d}", f"{LAST:%Y-%m-%d}~")
    for user in range(USERS):
        for event in UsageEvent.query(f"user{user:02d}", month):
            cost += float(event.cost_usd)
            requests += 1
    return cost, requests


def _timed_summary(group_by: GroupBy) -> tuple[list[float], UsageSummary]:
    durations, report = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        report = dashboard.summary(Admin(), FIRST, LAST, group_by, None, names=NAMES)
        durations.append((time.perf_counter() - start) * 1000)
    assert report is not None
    return durations, report


def _timed(read: Callable[[], object], runs: int = RUNS) -> list[float]:
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        read()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


@contextmanager
def _dynamodb_writes() -> Iterator[Counter[str]]:
    """Every DynamoDB write made inside the block, counted by operation."""
    counted: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(self: BaseClient, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and operation in WRITES:
            counted[operation] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield counted
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def _writes_per_call() -> None:
    """A call of a session recorded alone, one of none, and a turn of TURN calls of a session through a Tally."""
    call = _calls(random.Random(7))[0]
    session, alone = (replace(call, session_id="bench-session"), replace(call, session_id=None))
    record(session)  # the day's and month's sheets, as a working day has them
    with _dynamodb_writes() as one_of_a_session:
        record(session)
    with _dynamodb_writes() as one_alone:
        record(alone)
    tally = Tally()
    with _dynamodb_writes() as turn:
        for _ in range(TURN):
            tally(session)
        tally.flush()
    boards_put = one_of_a_session["PutItem"] - 1  # the event aside: the session's boards it changed (of 4)
    print(
        f"  DynamoDB writes a call, usage only (budgets add 2): before {WRITES_BEFORE['no session']}, "
        f"{WRITES_BEFORE['session']} with a session; now record() {sum(one_alone.values())}, "
        f"{sum(one_of_a_session.values())} with a session ({boards_put} of them boards), "
        f"a turn of {TURN} through a Tally {sum(turn.values()) / TURN:.1f} a call"
    )


def run() -> None:
    print(f"Usage dashboard, in-process moto, a month of {EVENTS:,} usage events ({SAMPLE:,} through record()):")
    with in_process_moto(UsageEvent, UsageAggregate, RateLimit, User, Project, Session), partitioned_queries():
        started = time.perf_counter()
        recorded = _populate(_calls(random.Random(19)))
        held = sum(1 for _ in UsageAggregate.scan())
        print(f"  populated in {time.perf_counter() - started:.0f} s: {held:,} aggregate items in all")
        print("  " + row("record(): the event, the quota, 10-12 ADDs, boards", recorded))
        reports = {}
        for group_by in (GroupBy.DAY, GroupBy.USER, GroupBy.MODEL):
            durations, reports[group_by] = _timed_summary(group_by)
            rows = len(reports[group_by].rows)
            by_day = group_by is GroupBy.DAY
            read = list(aggregates.read("org", _dimension(group_by), FIRST, LAST, by_day=by_day))
            items = len({item.period for item in read} if group_by is GroupBy.MODEL else read)  # a sheet per period
            print("  " + row(f"summary by {group_by.value} ({rows} rows, {items:,} items read)", durations))
        sessions = sum(1 for _ in aggregates.read("org", layout.Dimension.SESSION, FIRST, LAST))
        before = _timed(lambda: top._from_items(None, FIRST, LAST, 10), runs=5)
        print("  " + row(f"top 10 sessions, before ({sessions:,} items read)", before))
        expected = [one.session_id for one in top._from_items(None, FIRST, LAST, 10)]
        answer = [one.session_id for one in dashboard.top_sessions(Admin(), FIRST, LAST, 10, None, names=NAMES)]
        assert answer == expected, (answer, expected)
        month = _timed(partial(dashboard.top_sessions, Admin(), FIRST, LAST, 10, None, names=NAMES))
        print("  " + row("top 10 sessions, now (1 board, 10 session items)", month))
        # Days of a month that has usage after them: a board a day. This data's sessions span the whole month
        # (real chat sessions last hours), so the day boards cannot settle it and every session day item is read.
        half = partial(dashboard.top_sessions, Admin(), FIRST, date(2030, 1, 15), 10, None, names=NAMES)
        boards_read = len(top._periods(layout.ORG_SCOPE, FIRST, date(2030, 1, 15)))
        print("  " + row(f"top 10 of 1-15 January ({boards_read} day boards, then items)", _timed(half, runs=3)))
        naive = []
        for _ in range(NAIVE_RUNS):
            start = time.perf_counter()
            cost, requests = _naive_totals()
            naive.append((time.perf_counter() - start) * 1000)
        print("  " + row(f"naive: every event ({requests:,} items read)", naive))
        totals = reports[GroupBy.DAY].totals
        assert totals.requests == requests == EVENTS, (totals.requests, requests)
        assert abs(totals.cost_usd - cost) < 1e-6, (totals.cost_usd, cost)
        naive_median = sorted(naive)[len(naive) // 2]
        print(f"  totals agree ({requests:,} requests, ${cost:,.2f}); naive / by-day median: ", end="")
        print(f"{naive_median / sorted(_timed_summary(GroupBy.DAY)[0])[RUNS // 2]:.0f}x")
        _writes_per_call()


def _dimension(group_by: GroupBy) -> layout.Dimension:
    return layout.Dimension.TOTAL if group_by is GroupBy.DAY else layout.Dimension(group_by.value)


if __name__ == "__main__":
    run()
