"""The costliest sessions: boards kept right by concurrent writers, and the top of any period equal to the events'."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.models.usage import UsageAggregate, UsageEvent
from shared.usage import ModelUsage, boards, record, top
from tests.support.accounts import Person, call, create_user, register_first, run_together
from tests.unit.test_usage_dashboard import usage

SIZE = 3  # boards this small fill up and push sessions off with a few calls


@pytest.fixture(autouse=True)
def small_boards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boards, "SIZE", SIZE)


@pytest.fixture
def people(accounts: Any) -> dict[str, Person]:
    admin = register_first()
    return {"admin": admin, "ann": create_user(admin, "ann"), "bob": create_user(admin, "bob")}


def calls_of(users: list[str], count: int, first: date, days: int) -> list[ModelUsage]:
    """`count` calls of 10 sessions (each of one user) spread over `days` days from `first`, all costs distinct."""
    return [
        usage(
            users[(n % 10) % len(users)],
            n,
            session_id=f"s{n % 10}",
            cost_usd=round(0.001 * (n * 7 % 97 + 1) + n * 1e-7, 8),
            at=datetime(first.year, first.month, first.day, 12, tzinfo=UTC) + timedelta(days=n * 3 % days),
        )
        for n in range(count)
    ]


def expected_boards(events: list[UsageEvent]) -> dict[tuple[str, str], list[list[Any]]]:
    """Each scope's and period's SIZE costliest sessions, from the events alone."""
    sums: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for event in events:
        for scope in ("org", f"user#{event.user_id}"):
            for period in (event.day, f"month#{event.day[:7]}"):
                sums[(f"{scope}#top", period)][event.session_id] += float(event.cost_usd)
    return {
        board: [[session_id, round(cost, 8)] for session_id, cost in sorted(costs.items(), key=_costliest)[:SIZE]]
        for board, costs in sums.items()
    }


def boards_held() -> dict[tuple[str, str], list[list[Any]]]:
    return {
        (row.partition, row.key): [[session_id, round(cost, 8)] for session_id, cost in row.ranking]
        for row in UsageAggregate.scan()
        if row.partition.endswith("#top")
    }


def top_from_events(events: list[UsageEvent], first: str, last: str, user_id: str | None, limit: int) -> list[Any]:
    costs: dict[str, float] = defaultdict(float)
    for event in events:
        if event.session_id and first <= event.day <= last and user_id in (None, event.user_id):
            costs[event.session_id] += float(event.cost_usd)
    return [[session_id, round(cost, 8)] for session_id, cost in sorted(costs.items(), key=_costliest)[:limit]]


def _costliest(pair: tuple[str, float]) -> tuple[float, str]:
    return -pair[1], pair[0]


def test_boards_equal_the_top_sessions_of_the_events_after_concurrent_records(
    people: dict[str, Person], serialized_moto: None
) -> None:
    # Given 30 calls of 10 sessions of two users over 3 days, all ending at once
    calls = calls_of([people["ann"].id, people["bob"].id], 30, date(2025, 1, 1), 3)
    # When each is recorded on its own thread (boards read, changed and put conditionally by all at once)
    run_together([functools.partial(record, one) for one in calls], timeout=60)  # raises what a call raised

    # Then every board of every scope and period holds exactly the top sessions computed from the events
    events = list(UsageEvent.scan())
    assert len(events) == 30
    assert boards_held() == expected_boards(events)


PERIODS = [
    ("2025-01-01", "2025-01-31"),  # a whole month: one board
    ("2025-01-03", "2025-01-03"),  # one day
    ("2025-01-01", "2025-01-20"),  # days of a month
    ("2025-01-25", "2025-02-10"),  # days of two months
    ("2024-12-30", "2025-02-28"),  # days, and two whole months
    ("2025-03-01", "2025-03-31"),  # nothing
]


def test_the_top_sessions_of_any_period_are_those_of_the_events(
    people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 40 calls of 10 sessions over 40 days from 30 December, boards of 3
    ann, bob = people["ann"], people["bob"]
    fallbacks: list[tuple[date, date]] = []
    every_item = top._from_items
    monkeypatch.setattr(top, "_from_items", lambda *args: fallbacks.append(args[1:3]) or every_item(*args))
    for one in calls_of([ann.id, bob.id], 40, date(2024, 12, 30), 40):
        record(one)
    events = list(UsageEvent.scan())

    for first, last in PERIODS:
        period = {"from": first, "to": last}
        # When the organization's and ann's top sessions of the period are asked for
        org = call("GET", "/api/usage/top-sessions", token=people["admin"].token, query={**period, "limit": "3"})
        anns = call("GET", "/api/usage/top-sessions", token=ann.token, query={**period, "limit": "2"})

        # Then each is the top computed from the events, with each session's whole amounts and owner
        assert org.status == anns.status == 200, (org.json, anns.json)
        assert _answered(org.json) == top_from_events(events, first, last, None, 3), period
        assert _answered(anns.json) == top_from_events(events, first, last, ann.id, 2), period
        for one in org.json:
            mine = [event for event in events if event.session_id == one["sessionId"] and first <= event.day <= last]
            assert one["inputTokens"] == sum(event.tokens_in for event in mine)
            assert one["userId"] == mine[0].user_id
    # and the boards proved every answer but the longest period's (boards of 3 over 40 days leave too much unknown)
    assert set(fallbacks) == {(date(2024, 12, 30), date(2025, 2, 28))}


def test_this_month_so_far_is_read_from_the_months_board_while_no_later_day_has_usage(
    people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given calls on the first 10 days of January only, and the boards each read asks for noted
    ann = people["ann"]
    for one in calls_of([ann.id, people["bob"].id], 20, date(2025, 1, 1), 10):
        record(one)
    asked: list[list[str]] = []
    read_boards = boards.read
    monkeypatch.setattr(
        boards, "read", lambda scope, periods: asked.append(list(periods)) or read_boards(scope, periods)
    )
    so_far = {"from": "2025-01-01", "to": "2025-01-20"}

    # When the top of 1 to 20 January is asked for, before and after a call on the 25th
    before = call("GET", "/api/usage/top-sessions", token=ann.token, query=so_far)
    record(usage(ann.id, 9, session_id="s-late", cost_usd=5.0, at=datetime(2025, 1, 25, tzinfo=UTC)))
    after = call("GET", "/api/usage/top-sessions", token=ann.token, query=so_far)

    # Then the first read the month's one board, the second a board a day; both are the events' answer
    events = [event for event in UsageEvent.scan() if event.session_id != "s-late"]
    assert asked == [["month#2025-01"], [f"2025-01-{day:02d}" for day in range(1, 21)]]
    assert _answered(before.json) == _answered(after.json) == top_from_events(events, *so_far.values(), ann.id, 10)


def test_without_a_proof_from_the_boards_the_top_comes_from_the_session_items(
    people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given boards that may not read a single session item to prove their answer
    ann = people["ann"]
    for one in calls_of([ann.id, people["bob"].id], 40, date(2025, 1, 1), 31):
        record(one)
    monkeypatch.setattr(top, "MAX_KEYS", 0)
    events = list(UsageEvent.scan())

    # When the top is asked for, for the organization and for ann
    period = {"from": "2025-01-05", "to": "2025-01-25"}
    org = call("GET", "/api/usage/top-sessions", token=people["admin"].token, query=period)
    anns = call("GET", "/api/usage/top-sessions", token=ann.token, query=period)

    # Then the answers are the events' all the same
    assert _answered(org.json) == top_from_events(events, "2025-01-05", "2025-01-25", None, 10)
    assert _answered(anns.json) == top_from_events(events, "2025-01-05", "2025-01-25", ann.id, 10)


def _answered(sessions: list[dict[str, Any]]) -> list[list[Any]]:
    return [[one["sessionId"], round(one["costUsd"], 8)] for one in sessions]
