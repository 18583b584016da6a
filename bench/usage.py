"""The usage dashboard's read of a month with 100,000 usage events: from the aggregates, and the naive way.

In-process moto (no network: the figures are the code's own work plus moto's). January 2030 holds EVENTS usage
events of USERS users, PROJECTS projects (and none), every kind, MODELS models and SESSIONS chat sessions:

- every event is written to usage_events (batch writes), so the naive read has something to read;
- SAMPLE of them go through `shared.usage.record()` (the event, the quota count and the aggregates, as the
  gateway writes them); then the month's aggregates are summed here over all EVENTS with the same
  `aggregates.targets()` and put as items (synthetic: 100,000 x 11 UpdateItems in moto would take long and prove
  nothing the unit tests do not), so the table holds what record() would have left.

Then `dashboard.summary()` for the month, grouped by day, user and model, RUNS times each (an administrator: the
whole organization; labels read too), `dashboard.top_sessions()`, and the naive way (Query each user's events of
the month by the table's key, and sum them: every event read) NAIVE_RUNS times. The two must agree on the totals.

moto answers a Query by testing every item of the table, which DynamoDB never does (it reads the partition's key
range): with 124,000 aggregate items that alone took 3.6 s per summary. `partitioned_queries()` makes moto read only
the partition for a Query on a table's own key, so both ways are measured by what they read, as on DynamoDB.
Run: `.venv/bin/python -m bench.usage`.
"""

from __future__ import annotations

import os
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from moto import mock_aws
from moto.dynamodb.models.table import Table

from bench.stats import row
from shared import aws
from shared.constants import Env
from shared.models.accounts import RateLimit, User
from shared.models.base import bind_models
from shared.models.chat import Session
from shared.models.fields import time_sort_key
from shared.models.projects import Project
from shared.models.usage import UsageAggregate, UsageEvent
from shared.settings import get_settings
from shared.usage import ModelUsage, aggregates, dashboard, record
from shared.usage.schemas import GroupBy
from shared.usage.views import UsageSummary

EVENTS = 100_000
SAMPLE = 300  # of them through record()
USERS, PROJECTS, SESSIONS = 50, 30, 5_000
KINDS = ("chat", "skill", "scheduled_prompt", "research", "meeting_analysis", "commit_message")
MODELS = ("claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "claude-opus-4-5")
FIRST, LAST = date(2030, 1, 1), date(2030, 1, 31)
RUNS, NAIVE_RUNS = 20, 1  # the naive read takes some 100 s in moto


@dataclass(frozen=True)
class Admin:
    user_id: str = "bench-admin"
    is_admin: bool = True


@contextmanager
def in_process_moto() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            Env.REGION: "us-east-1",
            Env.TABLE_PREFIX: "bench-",
        }
    )
    os.environ.pop(Env.AWS_ENDPOINT_URL, None)
    try:
        with mock_aws():
            get_settings.cache_clear()
            aws.reset_clients()
            bind_models(get_settings())
            for model in (UsageEvent, UsageAggregate, RateLimit, User, Project, Session):
                model.create_table(wait=True)
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


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
    aggregates, summed here over every event (the sample's too), put over what record() added to. Returns how
    long each record() took."""
    recorded = []
    for one in calls[:SAMPLE]:
        start = time.perf_counter()
        record(one)
        recorded.append((time.perf_counter() - start) * 1000)
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * 6)
    owners: dict[str, tuple[str, str | None]] = {}
    with UsageEvent.batch_write() as batch:
        for index, one in enumerate(calls):
            day = one.at.strftime("%Y-%m-%d")
            if index >= SAMPLE:
                batch.save(_event(one, day))
            event = aggregates.Event(
                one.user_id, day, one.kind, one.model, one.project_id, one.session_id, amounts=aggregates.Amounts()
            )
            amounts = (one.tokens_in, one.tokens_out, one.cache_read_tokens, one.cache_write_tokens, one.cost_usd, 1)
            for target in aggregates.targets(event):
                sums[target] = [a + b for a, b in zip(sums[target], amounts, strict=True)]
            if one.session_id:
                owners[one.session_id] = (one.user_id, one.project_id)
    with UsageAggregate.batch_write() as batch:
        for (partition, key), (tokens_in, tokens_out, cache_read, cache_write, cost, requests) in sums.items():
            session = key.rsplit("#", 1)[1] if partition.endswith("#session") else None
            user_id, project_id = owners[session] if session else (None, None)
            batch.save(
                UsageAggregate(
                    partition,
                    key,
                    tokens_in=int(tokens_in),
                    tokens_out=int(tokens_out),
                    cache_read_tokens=int(cache_read),
                    cache_write_tokens=int(cache_write),
                    cost_usd=round(cost, 8),
                    requests=int(requests),
                    user_id=user_id,
                    project_id=project_id,
                )
            )
    with User.batch_write() as batch:
        for n in range(USERS):
            name = f"person{n:02d}"
            batch.save(User(f"user{n:02d}", username=name, username_key=name, password_hash="-"))
    with Project.batch_write() as batch:
        for n in range(PROJECTS):
            name = f"Project {n:02d}"
            batch.save(Project(f"project{n:02d}", owner_id="user00", name=name, name_key=name, s3_prefix="-"))
    return recorded


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
        report = dashboard.summary(Admin(), FIRST, LAST, group_by)
        durations.append((time.perf_counter() - start) * 1000)
    assert report is not None
    return durations, report


def run() -> None:
    print(f"Usage dashboard, in-process moto, a month of {EVENTS:,} usage events ({SAMPLE:,} through record()):")
    with in_process_moto(), partitioned_queries():
        started = time.perf_counter()
        recorded = _populate(_calls(random.Random(19)))
        held = sum(1 for _ in UsageAggregate.scan())
        print(f"  populated in {time.perf_counter() - started:.0f} s: {held:,} aggregate items in all")
        print("  " + row("record(): the event, the quota, 18-22 ADDs", recorded))
        reports = {}
        for group_by in (GroupBy.DAY, GroupBy.USER, GroupBy.MODEL):
            durations, reports[group_by] = _timed_summary(group_by)
            rows = len(reports[group_by].rows)
            by_day = group_by is GroupBy.DAY
            items = sum(1 for _ in aggregates.read("org", _dimension(group_by), FIRST, LAST, by_day=by_day))
            print("  " + row(f"summary by {group_by.value} ({rows} rows, {items:,} items read)", durations))
        top = []
        for _ in range(RUNS):
            start = time.perf_counter()
            dashboard.top_sessions(Admin(), FIRST, LAST, 10)
            top.append((time.perf_counter() - start) * 1000)
        items = sum(1 for _ in aggregates.read("org", aggregates.Dimension.SESSION, FIRST, LAST))
        print("  " + row(f"top 10 sessions ({items:,} items read)", top))
        naive = []
        for _ in range(NAIVE_RUNS):
            start = time.perf_counter()
            cost, requests = _naive_totals()
            naive.append((time.perf_counter() - start) * 1000)
        print("  " + row(f"naive: every event ({requests:,} items read)", naive))
        totals = reports[GroupBy.DAY].totals
        assert totals.requests == requests == EVENTS, (totals.requests, requests)
        assert abs(totals.cost_usd - cost) < 1e-6, (totals.cost_usd, cost)
        by_day = sorted(naive)[len(naive) // 2]
        print(f"  totals agree ({requests:,} requests, ${cost:,.2f}); naive / by-day median: ", end="")
        print(f"{by_day / sorted(_timed_summary(GroupBy.DAY)[0])[RUNS // 2]:.0f}x")


def _dimension(group_by: GroupBy) -> aggregates.Dimension:
    return aggregates.Dimension.TOTAL if group_by is GroupBy.DAY else aggregates.Dimension(group_by.value)


if __name__ == "__main__":
    run()
