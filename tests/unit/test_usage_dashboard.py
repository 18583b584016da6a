"""The usage dashboard: aggregates kept by record(), summaries by each dimension, scoping, CSV and top sessions."""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.api.handler import handler
from local.lambda_events import LambdaContext
from shared.models.chat import Session
from shared.models.usage import UsageAggregate, UsageEvent
from shared.usage import ModelUsage, record
from tests.support.accounts import AccountsStack, Person, api_event, call, create_user, register_first, run_together

AMOUNTS = ("tokens_in", "tokens_out", "cache_read_tokens", "cache_write_tokens", "cost_usd")
JANUARY = {"from": "2025-01-01", "to": "2025-01-31"}
KINDS = ("chat", "skill", "scheduled_prompt", "research", "meeting_analysis", "commit_message")
MODELS = ("claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5")


def usage(user: str, n: int, **fields: Any) -> ModelUsage:
    defaults: dict[str, Any] = {
        "kind": "chat",
        "model": MODELS[n % 3],
        "tokens_in": 100 + n,
        "tokens_out": 10 + n,
        "cache_read_tokens": 1_000 * n,
        "cache_write_tokens": 7 * n,
        "cost_usd": round(0.001 * (n + 1) + 0.00000123, 8),
        "duration_ms": 50,
        "at": datetime(2025, 1, 1 + n % 3, 12, n, tzinfo=UTC),
    }
    return ModelUsage(user_id=user, **(defaults | fields))


CODES = {
    "tokens_in": "in",
    "tokens_out": "out",
    "cache_read_tokens": "cr",
    "cache_write_tokens": "cw",
    "cost_usd": "usd",
}
Held = tuple[tuple[float, ...], dict[str, float], dict[str, float]]


def events_sum(events: list[UsageEvent]) -> dict[tuple[str, str], Held]:
    """What the aggregates should hold, computed from the events alone: each item's amounts and, for a sheet, its
    amounts by kind and by model ("<field>#<value>"), of each day and month."""
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * 6)
    maps: dict[tuple[str, str], tuple[dict[str, float], dict[str, float]]] = {}
    for event in events:
        amounts = [*(float(getattr(event, name)) for name in AMOUNTS), 1.0]
        for period in (event.day, f"month#{event.day[:7]}"):
            sheets = [("org", period), (f"user#{event.user_id}", period)]
            items = [
                *sheets,
                ("org#user", f"{period}#{event.user_id}"),
                ("org#project", f"{period}#{event.project_id or 'none'}"),
                (f"user#{event.user_id}#project", f"{period}#{event.project_id or 'none'}"),
            ]
            if event.session_id:
                items.append(("org#session", f"{period}#{event.session_id}"))
            for item in items:
                totals[item] = [held + added for held, added in zip(totals[item], amounts, strict=True)]
            for sheet in sheets:
                kinds, models = maps.setdefault(sheet, (defaultdict(float), defaultdict(float)))
                for by_value, value in ((kinds, event.kind), (models, event.model or "unknown")):
                    for code, amount in zip([*CODES.values(), "n"], amounts, strict=True):
                        by_value[f"{code}#{value}"] += amount
    return {
        item: (_rounded(values), *(_rounded_map(held) for held in maps.get(item, ({}, {}))))
        for item, values in totals.items()
    }


def aggregates_held() -> dict[tuple[str, str], Held]:
    """Every aggregate item but the boards of top sessions."""
    return {
        (row.partition, row.key): (
            _rounded([float(getattr(row, name)) for name in (*AMOUNTS, "requests")]),
            _rounded_map(row.kinds.as_dict() if row.kinds is not None else {}),
            _rounded_map(row.models.as_dict() if row.models is not None else {}),
        )
        for row in UsageAggregate.scan()
        if not row.partition.endswith("#top")
    }


def _rounded(values: list[float]) -> tuple[float, ...]:
    return tuple(round(value, 8) for value in values)


def _rounded_map(values: dict[str, float]) -> dict[str, float]:
    return {key: round(float(value), 8) for key, value in values.items()}


def get(person: Person, path: str, **query: str) -> Any:
    return call("GET", path, token=person.token, query=query)


@pytest.fixture
def people(accounts: AccountsStack) -> dict[str, Person]:
    admin = register_first()
    return {"admin": admin, "ann": create_user(admin, "ann"), "bob": create_user(admin, "bob")}


def project(person: Person, name: str) -> str:
    reply = call("POST", "/api/projects", json_body={"name": name}, token=person.token)
    assert reply.status == 201, reply.json
    return str(reply.json["id"])


# -- the aggregates --------------------------------------------------------------------------------------------------


def test_aggregates_equal_the_sum_of_the_events_after_concurrent_records(
    people: dict[str, Person], serialized_moto: None
) -> None:
    # Given 20 model calls across users, projects, kinds, models and sessions, all ending at once
    users = [people["ann"].id, people["bob"].id, people["admin"].id]
    calls = [
        usage(
            users[n % 3],
            n,
            kind=KINDS[n % 6],
            project_id=(None, "p1", "p2")[n % 3] if n % 5 else None,
            session_id=f"s{n % 4}" if n % 2 else None,
        )
        for n in range(20)
    ]
    # When each is recorded on its own thread
    run_together([functools.partial(record, one) for one in calls], timeout=30)  # raises what a call raised

    # Then every aggregate equals the sum of its events, and there is no aggregate of nothing
    events = list(UsageEvent.scan())
    assert len(events) == 20
    assert aggregates_held() == events_sum(events)


def test_one_event_adds_to_12_aggregates_and_one_without_a_session_to_10(people: dict[str, Person]) -> None:
    # a day and its month: the two sheets, the user, the two projects (and the session)
    record(usage(people["ann"].id, 0, project_id="p1", session_id="s1"))
    assert len(aggregates_held()) == 12

    # another day of the same month, no session: 5 new day items, the same month items
    record(usage(people["ann"].id, 1, project_id="p1", model="claude-sonnet-4-5"))
    assert len(aggregates_held()) == 12 + 5
    assert aggregates_held() == events_sum(list(UsageEvent.scan()))


# -- summaries -------------------------------------------------------------------------------------------------------


def test_each_grouping_sums_to_the_same_totals(people: dict[str, Person]) -> None:
    # Given calls of two users in two projects (one since deleted) and none
    ann, bob = people["ann"], people["bob"]
    handbook, gone = project(ann, "handbook"), "f" * 32
    record(usage(ann.id, 0, project_id=handbook, kind="chat"))
    record(usage(ann.id, 1, project_id=gone, kind="skill", model=None))
    record(usage(bob.id, 2, kind="commit_message"))
    record(usage(bob.id, 5, project_id=handbook, kind="chat", at=datetime(2025, 2, 1, tzinfo=UTC)))  # not January

    answers = {by: get(people["admin"], "/api/usage/summary", **JANUARY, groupBy=by) for by in ("day", "user")}
    answers |= {by: get(people["admin"], "/api/usage/summary", **JANUARY, groupBy=by) for by in ("project", "kind")}
    answers["model"] = get(people["admin"], "/api/usage/summary", **JANUARY, groupBy="model")

    # Then each grouping has its rows, labelled, and they add up to the same totals (February's call left out)
    assert {by: reply.status for by, reply in answers.items()} == dict.fromkeys(answers, 200)
    labels = {by: {row["key"]: row["label"] for row in reply.json["rows"]} for by, reply in answers.items()}
    assert labels["day"] == {"2025-01-01": "2025-01-01", "2025-01-02": "2025-01-02", "2025-01-03": "2025-01-03"}
    assert list(labels["day"]) == sorted(labels["day"])
    assert labels["user"] == {ann.id: "ann", bob.id: "bob"}
    assert labels["project"] == {handbook: "handbook", gone: "(deleted)", "none": "(no project)"}
    assert labels["kind"] == {"chat": "Chat", "skill": "Skill", "commit_message": "Commit message"}
    assert labels["model"] == {model: model for model in ("claude-sonnet-4-5", "claude-haiku-4-5", "unknown")}
    totals = answers["day"].json["totals"]
    assert totals["requests"] == 3
    assert totals["inputTokens"] == 100 + 101 + 102
    assert totals["costUsd"] == pytest.approx(0.001 + 0.002 + 0.003 + 3 * 0.00000123)
    for by, reply in answers.items():
        assert reply.json["totals"] == totals, by
        assert reply.json["scope"] == "organization"
        for field in ("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "requests"):
            assert sum(row[field] for row in reply.json["rows"]) == totals[field], (by, field)
    costs = [row["costUsd"] for row in answers["user"].json["rows"]]
    assert costs == sorted(costs, reverse=True)
    assert answers["day"].json | {"rows": None, "totals": None} == {
        "from": "2025-01-01",
        "to": "2025-01-31",
        "groupBy": "day",
        "scope": "organization",
        "userId": None,
        "rows": None,
        "totals": None,
    }


@pytest.mark.parametrize(
    ("period", "requests"),
    [
        (("2024-12-31", "2025-02-01"), 4),  # a day, a whole month, a day
        (("2025-01-02", "2025-02-01"), 3),  # days only (January is not whole)
        (("2025-01-01", "2025-02-28"), 4),  # two whole months
        (("2025-01-03", "2025-01-03"), 1),
        (("2025-02-02", "2025-03-31"), 0),
    ],
)
def test_a_period_counts_the_events_of_its_days(
    people: dict[str, Person], period: tuple[str, str], requests: int
) -> None:
    ann = people["ann"]
    for n, moment in enumerate(((2025, 1, 1), (2025, 1, 2), (2025, 1, 3), (2025, 2, 1), (2024, 12, 30))):
        record(usage(ann.id, n, at=datetime(*moment, 23, 59, tzinfo=UTC)))
    query = {"from": period[0], "to": period[1]}

    answers = [get(ann, "/api/usage/summary", **query, groupBy=by).json for by in ("day", "kind", "model")]

    assert [answer["totals"]["requests"] for answer in answers] == [requests] * 3
    assert [sum(row["requests"] for row in answer["rows"]) for answer in answers] == [requests] * 3


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2025-02-01", "to": "2025-01-01"}, "invalid_period"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "invalid_period"),  # 367 days
        ({"from": "0001-01-01", "to": "0001-12-01"}, "invalid_period"),  # before any usage (and the calendar's edge)
        ({"from": "2025-01-01", "to": "2025-13-01"}, "invalid_request"),
        ({"from": "2025-01-01"}, "invalid_request"),
        ({**JANUARY, "groupBy": "week"}, "invalid_request"),
    ],
)
def test_a_period_that_is_not_one_is_a_400(people: dict[str, Person], query: dict[str, str], code: str) -> None:
    reply = get(people["ann"], "/api/usage/summary", **query)

    assert (reply.status, reply.code) == (400, code), reply.json


def test_a_period_of_366_days_is_accepted(people: dict[str, Person]) -> None:
    reply = get(people["ann"], "/api/usage/summary", **{"from": "2024-01-01", "to": "2024-12-31"})

    assert reply.status == 200, reply.json


def test_anyone_sees_their_own_usage_and_only_an_administrator_anyone_elses(people: dict[str, Person]) -> None:
    ann, bob, admin = people["ann"], people["bob"], people["admin"]
    record(usage(ann.id, 0))
    record(usage(bob.id, 1))
    record(usage(bob.id, 2))

    own = get(ann, "/api/usage/summary", **JANUARY, groupBy="user")
    asked_for_self = get(ann, "/api/usage/summary", **JANUARY, userId=ann.id)
    refused = get(ann, "/api/usage/summary", **JANUARY, userId=bob.id)
    refused_sessions = get(ann, "/api/usage/top-sessions", **JANUARY, userId=bob.id)
    bobs = get(admin, "/api/usage/summary", **JANUARY, userId=bob.id, groupBy="kind")

    assert (own.json["scope"], own.json["userId"], own.json["totals"]["requests"]) == ("user", ann.id, 1)
    assert [(row["key"], row["label"]) for row in own.json["rows"]] == [(ann.id, "ann")]
    assert asked_for_self.json["totals"] == own.json["totals"]
    assert (refused.status, refused.code) == (403, "usage_of_others")
    assert (refused_sessions.status, refused_sessions.code) == (403, "usage_of_others")
    assert (bobs.json["scope"], bobs.json["totals"]["requests"]) == ("user", 2)
    assert bobs.json["rows"] == [{**bobs.json["totals"], "key": "chat", "label": "Chat"}]


# -- CSV and top sessions --------------------------------------------------------------------------------------------


def test_the_csv_export_has_a_header_and_the_summary_rows(people: dict[str, Person]) -> None:
    record(usage(people["ann"].id, 0, kind="chat"))
    record(usage(people["ann"].id, 1, kind="research"))
    query = {**JANUARY, "groupBy": "kind"}

    response = handler(
        api_event("GET", "/api/usage/export.csv", token=people["admin"].token, query=query), LambdaContext("api")
    )
    summary = get(people["admin"], "/api/usage/summary", **query).json

    assert response["statusCode"] == 200
    headers = {name.lower(): value for name, value in response["headers"].items()}
    assert headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == 'attachment; filename="usage-by-kind-2025-01-01-to-2025-01-31.csv"'
    header, *rows = list(csv.reader(io.StringIO(response["body"])))
    assert header == [
        "key", "label", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "costUsd", "requests"
    ]  # fmt: skip
    assert [(row[0], row[1], int(row[2]), float(row[6])) for row in rows] == [
        (row["key"], row["label"], row["inputTokens"], pytest.approx(row["costUsd"])) for row in summary["rows"]
    ]


def test_top_sessions_are_the_costliest_of_the_period(people: dict[str, Person]) -> None:
    ann, bob = people["ann"], people["bob"]
    Session("s-big", user_id=bob.id, project_id="p1", title="Quarterly plan").save()
    record(usage(ann.id, 0, session_id="s-small", project_id="p1", cost_usd=0.01))
    record(usage(bob.id, 1, session_id="s-big", project_id="p1", cost_usd=0.5))
    record(usage(bob.id, 2, session_id="s-big", project_id="p1", cost_usd=0.25))
    record(usage(ann.id, 3, session_id="s-mid", cost_usd=0.2))
    record(usage(ann.id, 4, cost_usd=9.0))  # no session

    top = get(people["admin"], "/api/usage/top-sessions", **JANUARY, limit="2")
    anns = get(ann, "/api/usage/top-sessions", **JANUARY)
    too_many = get(ann, "/api/usage/top-sessions", **JANUARY, limit="101")

    assert top.status == 200, top.json
    assert top.json == [
        {
            "sessionId": "s-big",
            "projectId": "p1",
            "userId": bob.id,
            "label": "Quarterly plan",
            "costUsd": 0.75,
            "inputTokens": 101 + 102,
            "outputTokens": 11 + 12,
        },
        {
            "sessionId": "s-mid",
            "projectId": None,
            "userId": ann.id,
            "label": "(deleted)",
            "costUsd": 0.2,
            "inputTokens": 103,
            "outputTokens": 13,
        },
    ]
    assert [one["sessionId"] for one in anns.json] == ["s-mid", "s-small"]
    assert (too_many.status, too_many.code) == (400, "invalid_request")


def test_deleting_a_user_deletes_their_scope_and_keeps_the_organizations_sums(people: dict[str, Person]) -> None:
    ann = people["ann"]
    record(usage(ann.id, 0, session_id="s1"))

    reply = call("DELETE", f"/api/admin/users/{ann.id}", token=people["admin"].token)
    summary = get(people["admin"], "/api/usage/summary", **JANUARY, groupBy="user").json

    assert reply.status in (200, 204), reply.json
    assert not [row for row in UsageAggregate.scan() if f"{row.partition}#".startswith(f"user#{ann.id}#")]
    assert [row.key for row in UsageAggregate.scan() if row.partition == "org#session"] == [
        "2025-01-01#s1",
        "month#2025-01#s1",
    ]
    assert [(row["key"], row["label"]) for row in summary["rows"]] == [(ann.id, "(deleted)")]
    assert summary["totals"]["requests"] == 1
