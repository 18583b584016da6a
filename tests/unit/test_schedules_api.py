"""Schedules through the REST API: CRUD with validation, the due index kept right by edits, run now once per
minute, paged run history, owner-only access, the cron preview, and no public /api/cron/execute-prompt."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared import aws
from shared.models.jobs import Job
from shared.models.projects import ProjectMember, ProjectRole
from shared.models.schedules import Execution, ExecutionStatus, Schedule
from shared.scheduling import executions, runlog
from shared.scheduling.executions import Results
from shared.settings import get_settings
from tests.support.accounts import AccountsStack, Person, Reply, call, create_key, create_user, register_first
from tests.support.aws import queued_messages
from tests.unit.test_skills import REPORT, make_project, put_skill


def create(person: Person, project: str, **fields: Any) -> Reply:
    body = {"name": "Morning digest", "projectId": project, "cron": "0 9 * * *", "prompt": "Summarise my notes"}
    return call("POST", "/api/schedules", json_body=body | fields, token=person.token)


def patch(person: Person, schedule_id: str, **fields: Any) -> Reply:
    return call("PATCH", f"/api/schedules/{schedule_id}", json_body=fields, token=person.token)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def alice(accounts: AccountsStack) -> Person:
    return register_first("alice")


@pytest.fixture
def project(alice: Person) -> str:
    return make_project(alice)


def test_a_prompt_schedule_is_created_read_and_listed(alice: Person, project: str) -> None:
    # When a schedule is created
    before = datetime.now(UTC)
    made = create(alice, project, timezone="Europe/Paris")

    # Then it is stored with its next run in its zone, and the owner reads and lists it
    assert made.status == 201, made.json
    body = made.json
    assert (body["kind"], body["cron"], body["timezone"], body["prompt"]) == (
        "prompt", "0 9 * * *", "Europe/Paris", "Summarise my notes"
    )  # fmt: skip
    assert (body["timeoutSeconds"], body["enabled"], body["skillName"], body["lastStatus"]) == (300, True, None, None)
    next_run = parse(body["nextRunAt"])
    assert before < next_run <= before + timedelta(days=1)
    local = next_run.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (9, 0)
    assert call("GET", f"/api/schedules/{body['id']}", token=alice.token).json == body
    assert [s["id"] for s in call("GET", "/api/schedules", token=alice.token).json] == [body["id"]]
    assert call("GET", "/api/schedules", query={"projectId": "0" * 32}, token=alice.token).json == []
    assert Schedule.get(body["id"]).due_shard is not None


def test_a_skill_schedule_needs_a_skill_that_exists(alice: Person, project: str) -> None:
    missing = create(alice, project, prompt=None, skillName="weekly-report")
    put_skill(alice, project, "weekly-report", REPORT)
    made = create(alice, project, prompt=None, skillName="weekly-report")

    assert (missing.status, missing.code) == (400, "unknown_skill")
    assert made.status == 201 and made.json["kind"] == "skill" and made.json["prompt"] is None


@pytest.mark.parametrize(
    ("fields", "code", "says"),
    [
        ({"cron": "0 25 * * *"}, "invalid_request", "25 is out of range for the hour field (0-23)"),
        ({"cron": "0 9 * *"}, "invalid_request", "has 4 field(s); a cron expression has exactly 5"),
        ({"cron": "0 0 30 2 *"}, "invalid_request", "never matches a real date"),
        ({"cron": "@hourly"}, "invalid_request", "has 1 field(s)"),
        ({"timezone": "Mars/Olympus"}, "invalid_request", "is not an IANA time zone"),
        ({"skillName": "weekly-report"}, "prompt_or_skill", "not both and not neither"),
        ({"prompt": None}, "prompt_or_skill", "not both and not neither"),
        ({"prompt": "   "}, "prompt_or_skill", "not both and not neither"),
        ({"timeoutSeconds": 0}, "invalid_request", "timeoutSeconds"),
        ({"timeoutSeconds": 3601}, "invalid_request", "timeoutSeconds"),
        ({"name": " "}, "invalid_name", "1 to 100 characters"),
        ({"projectId": "0" * 32}, "project_not_found", "no such project"),
    ],
)
def test_invalid_schedules_are_refused_with_the_reason(
    alice: Person, project: str, fields: dict[str, Any], code: str, says: str
) -> None:
    reply = create(alice, project, **fields)

    assert (reply.status, reply.code) == (400 if code != "project_not_found" else 404, code), reply.json
    assert says in reply.json["error"]["message"]
    assert not list(Schedule.scan())


def test_editing_cron_time_zone_or_enabled_recomputes_the_next_run(alice: Person, project: str) -> None:
    # Given a daily schedule, and an administrator (alice) who allows schedules that run every minute
    quotas = {
        "maxActiveSchedules": 20,
        "minScheduleIntervalMinutes": 1,
        "uploadsPerHour": 200,
        "turnsPerDay": 500,
        "tokensPerDay": 5_000_000,
    }
    assert call("PUT", "/api/admin/settings/quotas", json_body=quotas, token=alice.token).status == 200
    made = create(alice, project).json
    schedule_id = made["id"]

    # When its cron changes, it is disabled, then enabled again
    every_minute = patch(alice, schedule_id, cron="* * * * *")
    disabled = patch(alice, schedule_id, enabled=False)
    row_disabled = Schedule.get(schedule_id)
    enabled = patch(alice, schedule_id, enabled=True, timezone="Asia/Tokyo")

    # Then the next run follows each change, and a disabled schedule leaves the due index
    now = datetime.now(UTC)
    assert every_minute.status == 200, every_minute.json
    assert now < parse(every_minute.json["nextRunAt"]) <= now + timedelta(minutes=1)
    assert disabled.json["nextRunAt"] is None and disabled.json["enabled"] is False
    assert row_disabled.due_shard is None and row_disabled.next_run_at is None
    assert enabled.json["nextRunAt"] is not None and enabled.json["timezone"] == "Asia/Tokyo"
    assert Schedule.get(schedule_id).due_shard is not None


def test_a_schedule_switches_from_prompt_to_skill(alice: Person, project: str) -> None:
    put_skill(alice, project, "weekly-report", REPORT)
    schedule_id = create(alice, project).json["id"]

    both = patch(alice, schedule_id, skillName="weekly-report")
    switched = patch(alice, schedule_id, skillName="weekly-report", prompt=None)
    renamed = patch(alice, schedule_id, name="Weekly", timeoutSeconds=900)

    assert (both.status, both.code) == (400, "prompt_or_skill")
    assert switched.status == 200 and (switched.json["kind"], switched.json["prompt"]) == ("skill", None)
    assert (renamed.json["name"], renamed.json["timeoutSeconds"], renamed.json["kind"]) == ("Weekly", 900, "skill")


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"cron": None}, "'cron' cannot be null"),
        ({"cron": "61 * * * *"}, "61 is out of range for the minute field"),
        ({"timezone": "Paris"}, "IANA"),
        ({"enabled": None}, "'enabled' cannot be null"),
        ({"projectId": "x"}, "projectId"),
    ],
)
def test_invalid_edits_are_refused(alice: Person, project: str, fields: dict[str, Any], says: str) -> None:
    schedule_id = create(alice, project).json["id"]

    reply = patch(alice, schedule_id, **fields)

    assert reply.status == 400 and says in reply.json["error"]["message"], reply.json
    assert Schedule.get(schedule_id).cron == "0 9 * * *"


def test_deleting_a_schedule_removes_it_and_its_history(alice: Person, project: str) -> None:
    schedule_id = create(alice, project).json["id"]
    call("POST", f"/api/schedules/{schedule_id}/run", token=alice.token)

    deleted = call("DELETE", f"/api/schedules/{schedule_id}", token=alice.token)

    assert deleted.status == 204
    assert call("GET", f"/api/schedules/{schedule_id}", token=alice.token).code == "schedule_not_found"
    assert not list(Execution.scan())


def test_run_now_runs_the_current_minute_once(accounts: AccountsStack, alice: Person, project: str) -> None:
    # Given a schedule
    schedule_id = create(alice, project).json["id"]

    # When "run now" is asked twice in a row
    first = call("POST", f"/api/schedules/{schedule_id}/run", token=alice.token)
    second = call("POST", f"/api/schedules/{schedule_id}/run", token=alice.token)

    # Then one execution for this minute, one job; the second answer is that same run
    assert first.status == 202 and second.status == 202, (first.json, second.json)
    assert first.json["started"] is True and second.json["started"] is False
    assert second.json["executionId"] == first.json["executionId"]
    minute = parse(first.json["scheduledFor"])
    if minute != parse(second.json["scheduledFor"]):
        pytest.skip("the two calls straddled a minute boundary")
    assert (minute.second, minute.microsecond) == (0, 0)
    assert first.json["executionId"] == executions.execution_id_for(schedule_id, minute)
    [execution] = list(Execution.scan())
    assert (execution.trigger, execution.kind, execution.status) == ("manual", "prompt", "running")
    assert execution.prompt == "Summarise my notes"
    assert Job.get(execution.execution_id).job_type == "schedule.run"
    assert len(queued_messages(accounts.settings)) == 1


def test_run_now_by_api_key_is_marked_as_such(alice: Person, project: str) -> None:
    schedule_id = create(alice, project).json["id"]
    key = create_key(alice)["key"]

    reply = call("POST", f"/api/schedules/{schedule_id}/run", api_key=key)

    assert reply.status == 202 and reply.json["trigger"] == "api_key"


def test_the_history_is_newest_first_and_paged(alice: Person, project: str) -> None:
    # Given five finished runs, a minute apart, one of them failed
    schedule_id = create(alice, project).json["id"]
    schedule = Schedule.get(schedule_id)
    start = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    for n in range(5):
        slot = start + timedelta(minutes=n)
        execution = executions.start_scheduled(schedule, slot, now=slot, deadline=slot + timedelta(minutes=15))
        assert execution is not None
        status = ExecutionStatus.FAILED if n == 3 else ExecutionStatus.COMPLETED
        executions.finish(
            execution,
            Results(
                status,
                error="Claude's API answered 500" if n == 3 else None,
                duration_ms=1000 + n,
                tokens_in=10 * n,
                tokens_out=n,
                cost_usd=0.01 * n,
                output_file=f"outputs/morning-digest/2025060209{n:02d}00Z.md",
            ),
            now=slot + timedelta(seconds=30),
        )

    # When the history is read two at a time
    pages, before = [], None
    while True:
        query = {"limit": "2"} | ({"before": before} if before else {})
        page = call("GET", f"/api/schedules/{schedule_id}/executions", query=query, token=alice.token)
        assert page.status == 200, page.json
        pages.append(page.json["executions"])
        before = page.json["nextBefore"]
        if before is None:
            break

    # Then the runs come newest first, each with what it cost and produced
    runs = [run for page in pages for run in page]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [parse(run["scheduledFor"]).minute for run in runs] == [4, 3, 2, 1, 0]
    failed = runs[1]
    assert (failed["status"], failed["error"], failed["durationMs"]) == ("failed", "Claude's API answered 500", 1003)
    assert (failed["tokensIn"], failed["tokensOut"], failed["costUsd"]) == (30, 3, 0.03)
    assert failed["outputFile"] == "outputs/morning-digest/20250602090300Z.md"
    assert failed["trigger"] == "schedule" and failed["finishedAt"] and failed["steps"] is None
    one = call("GET", f"/api/schedules/{schedule_id}/executions/{failed['id']}", token=alice.token)
    assert one.json == failed


def test_only_the_owner_or_an_admin_reaches_a_schedule(accounts: AccountsStack) -> None:
    # Given bob's schedule in his project, alice (an admin) and carol (another user)
    alice = register_first("alice")
    bob = create_user(alice, "bob")
    carol = create_user(alice, "carol")
    project = make_project(bob)
    schedule_id = create(bob, project).json["id"]
    run = call("POST", f"/api/schedules/{schedule_id}/run", token=bob.token).json

    # Then carol is told it does not exist, whatever she tries, and her list is empty
    for method, path, body in [
        ("GET", f"/api/schedules/{schedule_id}", None),
        ("PATCH", f"/api/schedules/{schedule_id}", {"enabled": False}),
        ("DELETE", f"/api/schedules/{schedule_id}", None),
        ("POST", f"/api/schedules/{schedule_id}/run", None),
        ("GET", f"/api/schedules/{schedule_id}/executions", None),
        ("GET", f"/api/schedules/{schedule_id}/executions/{run['executionId']}", None),
    ]:
        kwargs = {"json_body": body} if body is not None else {}
        reply = call(method, path, token=carol.token, **kwargs)
        assert (reply.status, reply.code) == (404, "schedule_not_found"), (method, path)
    assert call("GET", "/api/schedules", token=carol.token).json == []
    # And she cannot schedule in bob's project
    assert create(carol, project).code == "project_not_found"
    # While the admin can read it
    assert call("GET", f"/api/schedules/{schedule_id}", token=alice.token).status == 200
    assert call("GET", "/api/schedules").status == 401
    assert Schedule.get(schedule_id).enabled is True


def test_an_unknown_schedule_id_is_not_found(alice: Person) -> None:
    for schedule_id in ("0" * 32, "not-an-id", "../x"):
        assert call("GET", f"/api/schedules/{schedule_id}", token=alice.token).status == 404


def test_the_preview_lists_the_next_five_runs_in_utc_and_local_time(alice: Person) -> None:
    reply = call(
        "GET",
        "/api/schedules/preview",
        query={"cron": "30 8 * * 1-5", "timezone": "America/New_York"},
        token=alice.token,
    )

    assert reply.status == 200, reply.json
    assert (reply.json["cron"], reply.json["timezone"]) == ("30 8 * * 1-5", "America/New_York")
    runs = reply.json["runs"]
    assert len(runs) == 5
    for run in runs:
        local = datetime.fromisoformat(run["local"])
        assert (local.hour, local.minute) == (8, 30) and local.weekday() < 5
        assert run["utc"].endswith("Z") and parse(run["utc"]) == local
    assert [parse(run["utc"]) for run in runs] == sorted(parse(run["utc"]) for run in runs)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"cron": "*/0 * * * *"}, "must be a whole number above 0"),
        ({"cron": "0 0 31 4 *"}, "never matches a real date"),
        ({"cron": "0 9 * * *", "timezone": "Nowhere"}, "is not an IANA time zone"),
        ({}, "'cron' is required"),
    ],
)
def test_the_preview_explains_a_bad_expression(alice: Person, query: dict[str, str], says: str) -> None:
    reply = call("GET", "/api/schedules/preview", query=query or None, token=alice.token)

    assert reply.status == 400 and says in reply.json["error"]["message"], reply.json


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_internal_execute_prompt_path_is_not_reachable_from_outside(alice: Person, method: str) -> None:
    body = {"schedule_id": "x", "prompt": "rm -rf /"}
    for auth in ({"token": alice.token}, {}, {"headers": {"X-Forwarded-For": "127.0.0.1"}}):
        reply = call(method, "/api/cron/execute-prompt", json_body=body, source_ip="127.0.0.1", **auth)
        assert (reply.status, reply.code) == (404, "not_found")


# --- the runner's side, before the CLI: every way a run ends is recorded -------------------------------------


def _run_on_the_runner(execution_id: str) -> dict[str, Any]:
    from runner.context import JobContext
    from runner.jobs.executions import execute_prompt

    return execute_prompt(JobContext(job=Job.get(execution_id), runner_id="unit", deadline=time.monotonic() + 30))


def _log_lines(project: str, schedule_id: str) -> list[dict[str, Any]]:
    return runlog.read(f"projects/{project}/", schedule_id)


def test_a_run_without_claude_configured_fails_saying_so(accounts: AccountsStack, alice: Person, project: str) -> None:
    from runner.claude.config import NOT_CONFIGURED

    # Given a run queued while no AI provider is configured
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    schedule_id = create(alice, project).json["id"]
    accepted = call("POST", f"/api/schedules/{schedule_id}/run", token=alice.token).json

    # When the runner takes it
    outcome = _run_on_the_runner(accepted["executionId"])

    # Then the run failed with chat's message, and the schedule and its log say so
    run = call("GET", accepted["pollUrl"], token=alice.token).json
    assert outcome["status"] == "failed"
    assert (run["status"], run["error"]) == ("failed", NOT_CONFIGURED)
    assert run["finishedAt"] and Execution.get(run["id"]).running is None
    assert call("GET", f"/api/schedules/{schedule_id}", token=alice.token).json["lastStatus"] == "failed"
    [line] = _log_lines(project, schedule_id)
    assert (line["executionId"], line["status"], line["error"]) == (run["id"], "failed", NOT_CONFIGURED)


def test_a_run_whose_owner_lost_the_project_does_not_run(accounts: AccountsStack, alice: Person, project: str) -> None:
    # Given bob, an editor, who scheduled a run in alice's project and then lost his access
    accounts.configure(ANTHROPIC_API_KEY="sk-ant-unit-test")
    bob = create_user(alice, "bob")
    ProjectMember(project, bob.id, role=ProjectRole.EDITOR.value).save()
    schedule_id = create(bob, project).json["id"]
    accepted = call("POST", f"/api/schedules/{schedule_id}/run", token=bob.token).json
    ProjectMember.get(project, bob.id).delete()

    # When the runner takes it
    _run_on_the_runner(accepted["executionId"])

    # Then it failed without running, and says why
    run = call("GET", accepted["pollUrl"], token=bob.token).json
    assert run["status"] == "failed" and "no longer has access" in run["error"]


def test_a_run_interrupted_by_a_stopped_runner_is_failed_and_logged(alice: Person, project: str) -> None:
    from runner.jobs.executions import INTERRUPTED, interrupted

    schedule_id = create(alice, project).json["id"]
    accepted = call("POST", f"/api/schedules/{schedule_id}/run", token=alice.token).json

    interrupted(Job.get(accepted["executionId"]))
    interrupted(Job.get(accepted["executionId"]))  # a second notice changes nothing

    run = call("GET", accepted["pollUrl"], token=alice.token).json
    assert (run["status"], run["error"]) == ("failed", INTERRUPTED)
    assert [line["status"] for line in _log_lines(project, schedule_id)] == ["failed"]


def test_a_duplicate_message_for_a_finished_run_is_skipped(alice: Person, project: str) -> None:
    schedule_id = create(alice, project).json["id"]
    accepted = call("POST", f"/api/schedules/{schedule_id}/run", token=alice.token).json
    execution = Execution.get(accepted["executionId"])
    executions.finish(execution, Results(ExecutionStatus.COMPLETED), now=datetime.now(UTC))

    assert _run_on_the_runner(accepted["executionId"]) == {"skipped": "completed"}
    assert _log_lines(project, schedule_id) == []


def test_concurrent_appends_to_a_run_log_lose_no_line(accounts: AccountsStack, serialized_moto: None) -> None:
    prefix, now = "projects/" + "a" * 32 + "/", datetime.now(UTC)

    def append(number: int) -> None:
        runlog.append(prefix, "s1", {"executionId": f"e{number}", "startedAt": now.isoformat()}, now=now)

    threads = [threading.Thread(target=append, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(line["executionId"] for line in runlog.read(prefix, "s1")) == [f"e{n}" for n in range(8)]


def test_a_full_run_log_is_archived_and_started_afresh(accounts: AccountsStack, monkeypatch: pytest.MonkeyPatch):
    prefix, now = "projects/" + "b" * 32 + "/", datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(runlog, "ROTATE_BYTES", 200)
    lines = [{"executionId": f"e{n}", "startedAt": (now + timedelta(minutes=n)).isoformat()} for n in range(5)]

    for line in lines:
        runlog.append(prefix, "s1", line, now=now)

    s3, bucket = aws.client("s3"), accounts.settings.workspace_bucket
    archived = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}files/.sasha/schedules/s1/").get("Contents", [])
    kept = [json.loads(row) for item in archived for row in _object(item["Key"]).splitlines()]
    current = runlog.read(prefix, "s1")
    assert {line["executionId"] for line in kept + current} == {f"e{n}" for n in range(5)}
    assert len(kept) + len(current) == 5 and archived
    assert archived[0]["Key"].split("/")[-1].startswith("20250602T090000Z-")


def _object(key: str) -> str:
    body = aws.client("s3").get_object(Bucket=get_settings().workspace_bucket, Key=key)["Body"]
    return str(body.read().decode())
