"""Quotas (docs/scheduling.md and docs/files.md, "Quotas"): active schedules, the shortest interval between runs,
upload links an hour; each hit with a message that names the limit, reset, and changed by an administrator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.quotas import counter
from shared.scheduling.frequency import shortest_interval
from tests.support.accounts import (
    AccountsStack,
    Person,
    Reply,
    call,
    create_key,
    create_user,
    register_first,
    run_together,
)
from tests.unit.test_skills import REPORT, make_project, put_skill, run_skill

DEFAULTS = {
    "maxActiveSchedules": 20,
    "minScheduleIntervalMinutes": 15,
    "uploadsPerHour": 200,
    "turnsPerDay": 500,
    "tokensPerDay": 5_000_000,
}
SETTINGS = "/api/admin/settings/quotas"


@pytest.fixture
def admin(accounts: AccountsStack) -> Person:
    return register_first("admin")


@pytest.fixture
def alice(admin: Person) -> Person:
    return create_user(admin, "alice")


@pytest.fixture
def project(alice: Person) -> str:
    return make_project(alice)


def set_quotas(admin: Person, **changes: int) -> dict[str, Any]:
    reply = call("PUT", SETTINGS, json_body=DEFAULTS | changes, token=admin.token)
    assert reply.status == 200, reply.json
    return dict(reply.json)


def schedule(person: Person, project: str, cron: str = "0 9 * * *", **fields: Any) -> Reply:
    body = {"name": "Digest", "projectId": project, "cron": cron, "prompt": "Summarise my notes", **fields}
    return call("POST", "/api/schedules", json_body=body, token=person.token)


def patch(person: Person, schedule_id: str, **fields: Any) -> Reply:
    return call("PATCH", f"/api/schedules/{schedule_id}", json_body=fields, token=person.token)


def presign(person: Person, project: str, path: str = "notes.txt") -> Reply:
    body = {"path": path, "size": 10}
    return call("POST", f"/api/projects/{project}/files/uploads", json_body=body, token=person.token)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The quota counter's clock, at 14:40:00 UTC today; set `clock[0]` to move it."""
    now = [datetime.now(UTC).replace(hour=14, minute=40, second=0, microsecond=0)]
    monkeypatch.setattr(counter, "utcnow", lambda: now[0])
    return now


# --- the settings ----------------------------------------------------------------------------------------------------


def test_the_defaults_apply_until_an_administrator_sets_the_quotas(admin: Person) -> None:
    # Given no choice yet
    before = call("GET", SETTINGS, token=admin.token)

    # When an administrator sets them
    changed = set_quotas(admin, maxActiveSchedules=50, uploadsPerHour=1000)

    # Then the defaults were in force, and the new values are now
    assert (before.status, before.json) == (200, DEFAULTS)
    assert changed == DEFAULTS | {"maxActiveSchedules": 50, "uploadsPerHour": 1000}
    assert call("GET", SETTINGS, token=admin.token).json == changed


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"maxActiveSchedules": 0}, "'maxActiveSchedules' is a whole number from 1 to 1,000, not 0."),
        ({"maxActiveSchedules": 1001}, "'maxActiveSchedules' is a whole number from 1 to 1,000, not 1,001."),
        ({"minScheduleIntervalMinutes": 1441}, "'minScheduleIntervalMinutes' is a whole number from 1 to 1,440"),
        ({"uploadsPerHour": -1}, "'uploadsPerHour' is a whole number from 1 to 100,000, not -1."),
        ({"uploadsPerHour": "many"}, "'uploadsPerHour': Input should be a valid integer"),
        ({"uploadsPerHour": 1.5}, "'uploadsPerHour': Input should be a valid integer"),
        ({"perDay": 3}, "'perDay': Extra inputs are not permitted"),
    ],
)
def test_values_out_of_range_are_refused_with_the_reason(admin: Person, changes: dict[str, Any], says: str) -> None:
    reply = call("PUT", SETTINGS, json_body=DEFAULTS | changes, token=admin.token)

    assert (reply.status, reply.code) == (400, "invalid_request"), reply.json
    assert says in reply.json["error"]["message"]
    assert call("GET", SETTINGS, token=admin.token).json == DEFAULTS


def test_every_value_is_required(admin: Person) -> None:
    reply = call("PUT", SETTINGS, json_body={"uploadsPerHour": 10}, token=admin.token)

    assert (reply.status, reply.code) == (400, "invalid_request")
    assert "'maxActiveSchedules' is required." in reply.json["error"]["message"]


def test_only_an_administrator_reads_them_and_only_with_a_session_changes_them(admin: Person, alice: Person) -> None:
    key = create_key(admin, "ci", scope="full")

    assert call("GET", SETTINGS, token=alice.token).status == 403
    assert call("PUT", SETTINGS, json_body=DEFAULTS, token=alice.token).status == 403
    assert call("GET", SETTINGS, api_key=key["key"]).status == 200
    refused = call("PUT", SETTINGS, json_body=DEFAULTS | {"uploadsPerHour": 9}, api_key=key["key"])
    assert (refused.status, refused.code) == (403, "session_required")
    assert call("GET", SETTINGS, token=admin.token).json == DEFAULTS


# --- active schedules ------------------------------------------------------------------------------------------------


def test_the_active_schedules_of_a_user_are_limited(admin: Person, alice: Person, project: str) -> None:
    # Given a limit of 2 active schedules, and alice's 2
    set_quotas(admin, maxActiveSchedules=2)
    first, second = schedule(alice, project), schedule(alice, project)

    # When she creates a third, enabled
    third = schedule(alice, project)

    # Then it is refused: which limit, its value, and what to do
    assert (first.status, second.status) == (201, 201)
    assert (third.status, third.code) == (409, "schedule_limit_reached"), third.json
    error = third.json["error"]
    assert (error["limit"], error["value"], error["active"]) == ("maxActiveSchedules", 2, 2)
    assert error["message"] == (
        "This account already has 2 active schedules; at most 2 are allowed (maxActiveSchedules = 2). "
        "Disable or delete one first, or ask an administrator to raise the limit."
    )
    assert len(call("GET", "/api/schedules", token=alice.token).json) == 2


def test_disabled_and_on_demand_schedules_do_not_count_and_enabling_one_does(
    admin: Person, alice: Person, project: str
) -> None:
    # Given a limit of 1, alice's active schedule, and a skill she ran by hand (its on-demand schedule)
    set_quotas(admin, maxActiveSchedules=1)
    active = schedule(alice, project).json["id"]
    put_skill(alice, project, "weekly-report", REPORT)
    assert run_skill(alice, project, "weekly-report").status == 202

    # When she creates a disabled schedule, tries to enable it, disables the first, and enables it again
    paused = schedule(alice, project, enabled=False)
    refused = patch(alice, paused.json["id"], enabled=True)
    renamed = patch(alice, active, name="Still active")
    patch(alice, active, enabled=False)
    enabled = patch(alice, paused.json["id"], enabled=True)

    # Then only enabling counts, editing an active one does not, and disabling makes room
    assert paused.status == 201 and paused.json["nextRunAt"] is None
    assert (refused.status, refused.code) == (409, "schedule_limit_reached")
    assert renamed.status == 200
    assert enabled.status == 200 and enabled.json["nextRunAt"] is not None


def test_deleting_a_schedule_or_raising_the_limit_makes_room(admin: Person, alice: Person, project: str) -> None:
    # Given alice at a limit of 1
    set_quotas(admin, maxActiveSchedules=1)
    first = schedule(alice, project).json["id"]
    assert schedule(alice, project).status == 409

    # When she deletes it, and then the administrator raises the limit
    assert call("DELETE", f"/api/schedules/{first}", token=alice.token).status == 204
    after_delete = schedule(alice, project)
    set_quotas(admin, maxActiveSchedules=3)
    after_raise = [schedule(alice, project).status for _ in range(3)]

    # Then each makes room, up to the new limit
    assert after_delete.status == 201
    assert after_raise == [201, 201, 409]


def test_an_administrator_is_held_to_the_limits_too(admin: Person) -> None:
    # Given a limit of 1 and the administrator's own schedule
    set_quotas(admin, maxActiveSchedules=1)
    project = make_project(admin)
    assert schedule(admin, project).status == 201

    # When the administrator creates another, and one that runs every minute
    another = schedule(admin, project)
    set_quotas(admin, maxActiveSchedules=5)
    every_minute = schedule(admin, project, "* * * * *")

    # Then both are refused
    assert (another.status, another.code) == (409, "schedule_limit_reached")
    assert (every_minute.status, every_minute.code) == (400, "schedule_too_frequent")


def test_an_administrator_enabling_a_users_schedule_counts_against_its_owner(
    admin: Person, alice: Person, project: str
) -> None:
    # Given a limit of 1, alice's active schedule and a paused one, and no schedule of the administrator's
    set_quotas(admin, maxActiveSchedules=1)
    schedule(alice, project)
    paused = schedule(alice, project, enabled=False).json["id"]

    # When the administrator enables the paused one
    reply = patch(admin, paused, enabled=True)

    # Then alice's count refuses it
    assert (reply.status, reply.code) == (409, "schedule_limit_reached")


# --- the shortest interval -------------------------------------------------------------------------------------------


def test_a_schedule_that_runs_more_often_than_the_minimum_is_refused(alice: Person, project: str) -> None:
    # When alice asks for every 5 minutes, then every 15
    fast = schedule(alice, project, "*/5 * * * *")
    ok = schedule(alice, project, "*/15 * * * *")

    # Then the first is refused, saying how often it runs and the limit; the second is at the limit and accepted
    assert (fast.status, fast.code) == (400, "schedule_too_frequent"), fast.json
    error = fast.json["error"]
    assert (error["limit"], error["value"], error["shortestIntervalMinutes"]) == ("minScheduleIntervalMinutes", 15, 5)
    assert error["message"] == (
        "'*/5 * * * *' runs as often as every 5 minutes; a schedule may run at most once every 15 minutes "
        "(minScheduleIntervalMinutes = 15). Choose a less frequent expression."
    )
    assert ok.status == 201


def test_runs_close_together_anywhere_in_the_day_count(alice: Person, project: str) -> None:
    # 23:55 and then 00:00 the next day: five minutes apart across midnight
    reply = schedule(alice, project, "0,55 0,23 * * *")

    assert (reply.status, reply.code) == (400, "schedule_too_frequent")
    assert "every 5 minutes" in reply.json["error"]["message"]


def test_editing_the_cron_or_enabling_checks_the_interval(admin: Person, alice: Person, project: str) -> None:
    # Given an hourly schedule and a paused one every 5 minutes (allowed at the time)
    set_quotas(admin, minScheduleIntervalMinutes=5)
    hourly = schedule(alice, project, "0 * * * *").json["id"]
    paused = schedule(alice, project, "*/5 * * * *", enabled=False).json["id"]
    set_quotas(admin, minScheduleIntervalMinutes=30)

    # When alice makes the hourly one run every 10 minutes, renames the paused one, then enables it
    faster = patch(alice, hourly, cron="*/10 * * * *")
    renamed = patch(alice, paused, name="Paused")
    enabled = patch(alice, paused, enabled=True)

    # Then the new cron and the enabling are refused against the current minimum; a rename is not
    assert (faster.status, faster.code) == (400, "schedule_too_frequent")
    assert "at most once every 30 minutes" in faster.json["error"]["message"]
    assert renamed.status == 200
    assert (enabled.status, enabled.code) == (400, "schedule_too_frequent")


def test_an_administrator_lowering_the_minimum_allows_faster_schedules(
    admin: Person, alice: Person, project: str
) -> None:
    assert schedule(alice, project, "* * * * *").status == 400

    set_quotas(admin, minScheduleIntervalMinutes=1)

    assert schedule(alice, project, "* * * * *").status == 201


@pytest.mark.parametrize(
    ("cron", "minutes"),
    [
        ("* * * * *", 1),
        ("*/15 * * * *", 15),
        ("10,20 * * * *", 10),  # then 50 minutes to 10 past the next hour
        ("50 9,10 * * *", 60),
        ("0 */2 * * *", 120),
        ("0,55 0,23 1 * *", 55),  # only the 1st: 23:55 is never followed by a 00:00
        ("0,55 0,23 1,31 * *", 5),  # 31 January, then 1 February
        ("0,55 0,23 31 12 1", 5),  # a Monday 30 December, then the 31st (day-of-month OR day-of-week)
        ("0 0,23 29 2 3", 60),  # February's Wednesdays and the 29th: Wednesday 28 February 2024, then the 29th
        ("0 9 * * *", None),  # once a day
        ("0 9 * * 1-5", None),
        ("0 0 2-30/2 * *", None),  # every other day, never two days running
    ],
)
def test_the_shortest_interval_of_an_expression(cron: str, minutes: int | None) -> None:
    expected = None if minutes is None else timedelta(minutes=minutes)

    assert shortest_interval(cron) == expected


# --- upload links ----------------------------------------------------------------------------------------------------


def test_upload_links_are_limited_per_user_per_hour(
    admin: Person, alice: Person, project: str, clock: list[datetime]
) -> None:
    # Given 3 links an hour, and alice's 3 at 14:40
    set_quotas(admin, uploadsPerHour=3)
    taken = [presign(alice, project, f"file-{n}.txt").status for n in range(3)]

    # When she asks for a fourth
    refused = presign(alice, project)

    # Then it is refused until 15:00, with Retry-After and a message saying so
    assert taken == [201, 201, 201]
    assert (refused.status, refused.code) == (429, "upload_quota_exceeded"), refused.json
    assert refused.headers["retry-after"] == "1200"
    error = refused.json["error"]
    resets_at = clock[0].replace(hour=15, minute=0)
    assert (error["limit"], error["value"], error["retryAfter"]) == ("uploadsPerHour", 3, 1200)
    assert error["resetsAt"] == f"{resets_at:%Y-%m-%dT%H:%M:%SZ}"
    assert error["message"] == (
        "You have used this hour's upload links: at most 3 an hour (uploadsPerHour = 3). "
        "The count starts again at 15:00 UTC, in 20 minutes."
    )


def test_the_count_starts_again_with_the_next_hour(
    admin: Person, alice: Person, project: str, clock: list[datetime]
) -> None:
    # Given alice's 2 links of 2 at 14:40, refused a third at 14:59:59
    set_quotas(admin, uploadsPerHour=2)
    assert [presign(alice, project).status for _ in range(2)] == [201, 201]
    clock[0] = clock[0].replace(minute=59, second=59)
    last_second = presign(alice, project)

    # When the clock reaches 15:00
    clock[0] = clock[0] + timedelta(seconds=1)
    next_hour = [presign(alice, project).status for _ in range(3)]

    # Then a second before, she waited a second; the new hour gives her 2 again
    assert (last_second.status, last_second.headers["retry-after"]) == (429, "1")
    assert next_hour == [201, 201, 429]


def test_each_user_has_their_own_count(admin: Person, alice: Person, project: str, clock: list[datetime]) -> None:
    # Given alice has used her hour's one link
    set_quotas(admin, uploadsPerHour=1)
    bob = create_user(admin, "bob")
    assert presign(alice, project).status == 201
    assert presign(alice, project).status == 429

    # When bob asks for one in his project
    reply = presign(bob, make_project(bob, "bobs"))

    # Then his count is his own
    assert reply.status == 201


def test_refused_requests_do_not_use_the_quota(
    admin: Person, alice: Person, project: str, clock: list[datetime]
) -> None:
    # Given 1 link an hour
    set_quotas(admin, uploadsPerHour=1)

    # When alice first sends a path that is refused, then a good one
    bad = presign(alice, project, "../escape.txt")
    good = presign(alice, project)

    # Then only the link she got counted
    assert (bad.status, good.status) == (400, 201)


def test_an_administrator_changing_the_limit_applies_within_the_hour(
    admin: Person, alice: Person, project: str, clock: list[datetime]
) -> None:
    # Given alice refused at 2 links an hour
    set_quotas(admin, uploadsPerHour=2)
    assert [presign(alice, project).status for _ in range(3)] == [201, 201, 429]

    # When the administrator raises it to 3, and later lowers it to 1
    set_quotas(admin, uploadsPerHour=3)
    raised = [presign(alice, project).status for _ in range(2)]
    set_quotas(admin, uploadsPerHour=1)
    lowered = presign(alice, project)

    # Then the links already given count against each new value at once
    assert raised == [201, 429]
    assert (lowered.status, lowered.json["error"]["value"]) == (429, 1)


def test_concurrent_requests_get_no_more_than_the_limit(
    admin: Person, alice: Person, project: str, clock: list[datetime], serialized_moto: None
) -> None:
    # Given 5 links an hour
    set_quotas(admin, uploadsPerHour=5)

    # When alice asks for 12 at once
    replies = run_together([lambda n=n: presign(alice, project, f"file-{n}.txt") for n in range(12)])

    # Then 5 got one and 7 were told to wait
    assert sorted(reply.status for reply in replies) == [201] * 5 + [429] * 7
