"""The scheduler tick against moto: due slots start exactly once, missed slots catch up once, orphans time out."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber

from shared import aws
from shared.constants import JOBS_QUEUE_NAME, Env
from shared.errors import ConflictError, ValidationError
from shared.jobs import routing
from shared.jobs.sweep import QUEUED_AT_MOST, SWEEP_GRACE
from shared.models.base import bind_models
from shared.models.cloud import CloudConnection, CloudMount
from shared.models.jobs import ACTIVE, Job, JobStatus, RunnerLease
from shared.models.meetings import Meeting
from shared.models.schedules import DUE_SHARDS, Execution, ExecutionStatus, Schedule
from shared.scheduling import cron, executions, runlog, store
from shared.scheduling.tick import DEADLINE_GRACE, run_tick
from shared.settings import Settings, get_settings
from tests.support.imports import loaded_after

EVENTS = Path(__file__).resolve().parents[1] / "events"
PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Studio:
    queue_url: str
    sqs: Any

    def messages(self) -> list[dict[str, Any]]:
        """Every message in the jobs queue (received and deleted, so FIFO groups do not hold any back)."""
        found: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return found


@pytest.fixture
def studio(monkeypatch: pytest.MonkeyPatch) -> Iterator[Studio]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        Env.REGION: "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(Env.AWS_ENDPOINT_URL, raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName=JOBS_QUEUE_NAME, Attributes={"FifoQueue": "true"})["QueueUrl"]
        monkeypatch.setenv(Env.JOBS_QUEUE_URL, queue_url)
        get_settings.cache_clear()
        aws.reset_clients()
        bind_models(get_settings())
        # Meetings, drives and the runners' leases too: the tick sweeps them all.
        for model in (Schedule, Execution, Job, Meeting, CloudMount, CloudConnection, RunnerLease):
            model.create_table(wait=True)
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=get_settings().workspace_bucket)
        yield Studio(queue_url, sqs)
    get_settings.cache_clear()
    aws.reset_clients()
    bind_models(Settings())


def hourly(now: datetime, **overrides: Any) -> Schedule:
    options: dict[str, Any] = {
        "user_id": "u1",
        "project_id": "p1",
        "name": "Morning digest",
        "cron": "0 * * * *",
        "prompt": "Summarise yesterday's notes",
        "timeout_seconds": 120,
        "now": now,
    }
    return store.create_schedule(**(options | overrides))


def all_executions() -> list[Execution]:
    return list(Execution.scan())


# --- cron rules ---------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("* * * * * *", "has 6 field(s)"),
        ("0 9 * *", "has 4 field(s)"),
        ("@hourly", "has 1 field(s)"),
        ("61 * * * *", "61 is out of range for the minute field (0-59)"),
        ("0 24 * * *", "24 is out of range for the hour field"),
        ("0 0 32 * *", "out of range for the day-of-month field"),
        ("0 0 * 13 *", "out of range for the month field"),
        ("0 0 * * 8", "out of range for the day-of-week field"),
        ("*/0 * * * *", "must be a whole number above 0"),
        ("5-1 * * * *", "runs backwards"),
        ("1,,2 * * * *", "empty list item"),
        ("every monday", "has 2 field(s)"),
        ("x y z w v", "'x' is not valid in the minute field"),
        ("0 0 L * *", "'L' is not valid in the day-of-month field"),
        ("0 0 * * 1#2", "'1#2' is not allowed in the day-of-week field"),
        ("0 0 30 2 *", "never matches a real date"),
        ("", "A cron expression is required"),
    ],
)
def test_invalid_cron_expressions_are_refused_with_a_reason(expression: str, says: str) -> None:
    # given an expression that is not standard 5-field cron / when it is validated / then the reason is named
    with pytest.raises(ValidationError) as caught:
        cron.validate(expression, "UTC")
    assert says in caught.value.message


@pytest.mark.unit
@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime", "utc"])
def test_unknown_time_zones_are_refused(tz: str) -> None:
    with pytest.raises(ValidationError, match="time zone"):
        cron.validate("0 9 * * *", tz)


@pytest.mark.unit
def test_every_fifteen_minutes_and_names() -> None:
    # given */15 and a weekday range written with names
    start = at("2025-06-02T09:07:00")  # a Monday
    # when the next slots are listed / then they are quarter hours, and weekdays only
    assert [s.strftime("%H:%M") for s in cron.upcoming("*/15 * * * *", "UTC", start, 4)] == [
        "09:15",
        "09:30",
        "09:45",
        "10:00",
    ]
    weekdays = cron.upcoming("0 9 * * MON-FRI", "UTC", at("2025-06-06T10:00:00"), 2)
    assert [s.strftime("%a %H:%M") for s in weekdays] == ["Mon 09:00", "Tue 09:00"]


@pytest.mark.unit
def test_slots_are_evaluated_in_the_schedule_zone() -> None:
    # given 09:00 in Paris in summer (UTC+2) and in New York in winter (UTC-5)
    assert cron.next_after("0 9 * * *", PARIS, at("2025-06-02T00:00:00")) == at("2025-06-02T07:00:00")
    assert cron.next_after("0 9 * * *", NEW_YORK, at("2025-01-15T00:00:00")) == at("2025-01-15T14:00:00")
    # and the latest slot at or before a moment includes the moment itself
    assert cron.latest_at_or_before("0 9 * * *", PARIS, at("2025-06-02T07:00:00")) == at("2025-06-02T07:00:00")
    assert cron.latest_at_or_before("0 9 * * *", PARIS, at("2025-06-02T06:59:59")) == at("2025-06-01T07:00:00")


@pytest.mark.unit
def test_a_skipped_wall_clock_time_runs_once_when_the_gap_ends() -> None:
    # given a daily 02:30 in Paris; on 2025-03-30 the clocks jump from 02:00 CET to 03:00 CEST (01:00Z)
    slots = cron.upcoming("30 2 * * *", PARIS, at("2025-03-28T12:00:00"), 4)
    # then the day before runs at 02:30 CET, the spring-forward day at 03:00 CEST, the day after at 02:30 CEST
    assert slots == [
        at("2025-03-29T01:30:00"),
        at("2025-03-30T01:00:00"),
        at("2025-03-31T00:30:00"),
        at("2025-04-01T00:30:00"),
    ]
    assert cron.latest_at_or_before("30 2 * * *", PARIS, at("2025-03-30T01:00:00")) == at("2025-03-30T01:00:00")


@pytest.mark.unit
def test_several_skipped_slots_collapse_into_one_run() -> None:
    # given every 15 minutes across the New York spring-forward gap (02:00 EST → 03:00 EDT at 07:00Z)
    slots = cron.upcoming("*/15 * * * *", NEW_YORK, at("2025-03-09T06:40:00"), 3)
    # then 01:45 EST is followed by 03:00 EDT once (02:00..02:45 did not exist), then 03:15 EDT
    assert slots == [at("2025-03-09T06:45:00"), at("2025-03-09T07:00:00"), at("2025-03-09T07:15:00")]


@pytest.mark.unit
def test_a_repeated_wall_clock_time_runs_once_at_its_first_occurrence() -> None:
    # given a daily 01:30 in New York; on 2025-11-02 01:00-02:00 happens twice (EDT 05:00Z-06:00Z, EST 06:00Z-07:00Z)
    slots = cron.upcoming("30 1 * * *", NEW_YORK, at("2025-11-01T12:00:00"), 2)
    # then it runs at 01:30 EDT only, and the next day at 01:30 EST
    assert slots == [at("2025-11-02T05:30:00"), at("2025-11-03T06:30:00")]
    # and seen from the second 01:30 (EST), the latest slot is still the first one
    assert cron.latest_at_or_before("30 1 * * *", NEW_YORK, at("2025-11-02T06:45:00")) == at("2025-11-02T05:30:00")
    assert cron.next_after("30 1 * * *", NEW_YORK, at("2025-11-02T06:29:00")) == at("2025-11-03T06:30:00")


@pytest.mark.unit
def test_an_interval_schedule_pauses_during_the_repeated_hour() -> None:
    # given every 15 minutes across the New York fall-back hour: each wall-clock time runs once
    slots = cron.upcoming("*/15 * * * *", NEW_YORK, at("2025-11-02T05:40:00"), 3)
    assert slots == [at("2025-11-02T05:45:00"), at("2025-11-02T07:00:00"), at("2025-11-02T07:15:00")]


@pytest.mark.unit
def test_naive_datetimes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cron.next_after("* * * * *", "UTC", datetime(2025, 1, 1))


# --- the schedule repository ----------------------------------------------------------------------------


def test_an_enabled_cron_schedule_enters_the_due_index(studio: Studio) -> None:
    # given an hourly schedule created at 09:30 / then its first run is 10:00 and it has a due shard
    schedule = hourly(at("2025-06-02T09:30:00"))
    stored = Schedule.get(schedule.schedule_id)
    assert stored.next_run_at == at("2025-06-02T10:00:00")
    assert stored.due_shard == store.due_shard_for(schedule.schedule_id)
    assert stored.due_shard in store.due_shards()
    assert len(store.due_shards()) == DUE_SHARDS


def test_disabled_and_on_demand_schedules_stay_out_of_the_due_index(studio: Studio) -> None:
    disabled = hourly(at("2025-06-02T09:30:00"), enabled=False)
    on_demand = hourly(at("2025-06-02T09:30:00"), kind="on_demand", cron=None, skill_name="report", prompt=None)
    for schedule in (disabled, on_demand):
        stored = Schedule.get(schedule.schedule_id)
        assert stored.due_shard is None
        assert stored.next_run_at is None


@pytest.mark.unit
def test_due_shards_are_stable_across_processes() -> None:
    # given Python's str hash is salted per process / then the shard comes from sha256 and never moves
    assert store.due_shard_for("schedule-1") == store.due_shard_for("schedule-1")
    assert {store.due_shard_for(f"s{i}") for i in range(200)} == set(store.due_shards())


def test_creating_a_schedule_validates_and_refuses_a_taken_id(studio: Studio) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        hourly(at("2025-06-02T09:30:00"), cron="0 25 * * *")
    with pytest.raises(ValidationError, match="IANA"):
        hourly(at("2025-06-02T09:30:00"), timezone="Paris")
    hourly(at("2025-06-02T09:30:00"), schedule_id="s1")
    with pytest.raises(ConflictError):
        hourly(at("2025-06-02T09:30:00"), schedule_id="s1")


# --- the tick -------------------------------------------------------------------------------------------


def test_a_due_schedule_gets_one_execution_and_one_message(studio: Studio) -> None:
    # given an hourly schedule whose next run is 10:00
    schedule = hourly(at("2025-06-02T09:30:00"))
    now = at("2025-06-02T10:00:04")

    # when the 10:00 tick runs
    result = run_tick(now, correlation_id="tick-1")

    # then one execution is running for the 10:00 slot, with its deadline and kind
    assert (result.due, result.started, result.duplicates, result.timed_out) == (1, 1, 0, 0)
    [execution] = all_executions()
    slot = at("2025-06-02T10:00:00")
    assert execution.execution_id == hashlib.sha256(f"{schedule.schedule_id}|{slot.isoformat()}".encode()).hexdigest()
    assert execution.status == ExecutionStatus.RUNNING.value
    assert execution.scheduled_for == slot
    assert execution.deadline_at == now + timedelta(seconds=120) + DEADLINE_GRACE
    assert execution.kind == "prompt"
    assert execution.prompt == "Summarise yesterday's notes"
    # and one job message whose id is the execution id, in the schedule's group, with the schedule's timeout
    job = Job.get(execution.execution_id)
    assert studio.messages() == [
        {
            "job_id": execution.execution_id,
            "job_type": "schedule.run",
            "correlation_id": "tick-1",
            "timeout_seconds": 120,
            "payload": job.payload,  # small: it rides along, so the job's reads can start from the message
        }
    ]
    assert (job.group_id, job.timeout_seconds, job.owner_id) == (schedule.schedule_id, 120, "u1")
    assert job.payload["execution_id"] == execution.execution_id
    # and the schedule moved on to 11:00
    assert Schedule.get(schedule.schedule_id).next_run_at == at("2025-06-02T11:00:00")


def test_a_schedule_that_is_not_due_is_not_touched(studio: Studio) -> None:
    # given a schedule whose next run is 10:00
    schedule = hourly(at("2025-06-02T09:30:00"))
    before = Schedule.get(schedule.schedule_id)

    # when a tick runs at 09:59
    result = run_tick(at("2025-06-02T09:59:00"))

    # then nothing was read, started or written
    assert result.due == 0
    assert all_executions() == []
    assert studio.messages() == []
    after = Schedule.get(schedule.schedule_id)
    assert (after.next_run_at, after.version) == (before.next_run_at, before.version)


@dataclass
class DynamoCalls:
    """Every DynamoDB call made to the tables of some models, with the items each Query evaluated."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)

    def attach(self, *models: type[Any]) -> None:
        self.tables |= {model.Meta.table_name for model in models}
        clients = {id(client): client for client in (m._get_connection().connection.client for m in models)}
        for client in clients.values():  # the tables share one client
            client.meta.events.register("provide-client-params.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if params.get("TableName") not in self.tables:
            return
        context["studio_call"] = {
            "operation": model.name,
            "table": params.get("TableName"),
            "index": params.get("IndexName"),
        }

    def _after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.get("studio_call")
        if call is not None:
            self.calls.append(call | {"scanned": parsed.get("ScannedCount")})


def test_the_tick_queries_only_due_schedules_and_never_scans(studio: Studio) -> None:
    # given one due schedule among many that are not due, disabled or on demand
    created = at("2025-06-02T09:30:00")
    due = hourly(created)
    for index in range(25):
        hourly(created, cron=f"{index} 3 * * *")  # due at 03:xx tomorrow
        hourly(created, enabled=False)
        hourly(created, kind="skill", cron="* * * * *", skill_name="report", enabled=False)
    calls = DynamoCalls()
    calls.attach(Schedule, Execution, Job)

    # when the 10:00 tick runs
    result = run_tick(at("2025-06-02T10:00:30"))

    # then it never scans, reads schedules only through the due index, and evaluates only the due one
    assert result.due == 1
    assert result.started == 1
    assert not [c for c in calls.calls if c["operation"] == "Scan"]
    schedule_table = get_settings().table_name("schedules")
    schedule_reads = [c for c in calls.calls if c["table"] == schedule_table and c["operation"] != "UpdateItem"]
    assert {(c["operation"], c["index"]) for c in schedule_reads} == {("Query", "due-by-next-run")}
    assert len(schedule_reads) == DUE_SHARDS
    assert sum(c["scanned"] for c in schedule_reads) == 1
    updates = [c for c in calls.calls if c["table"] == schedule_table and c["operation"] == "UpdateItem"]
    assert len(updates) == 1
    assert Schedule.get(due.schedule_id).next_run_at == at("2025-06-02T11:00:00")


@pytest.fixture
def atomic_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each in-process moto request atomic, as a DynamoDB conditional write is in AWS.

    moto checks a condition and stores the item in two steps without a lock, so threads could both pass the
    check; real DynamoDB never lets that happen. Requests still interleave freely between each other.
    """
    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def locked(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", locked)


@pytest.mark.usefixtures("atomic_requests")
def test_twenty_concurrent_ticks_for_one_minute_start_the_slot_once(studio: Studio) -> None:
    # given a due schedule and 20 ticks for the same minute released together
    schedule = hourly(at("2025-06-02T09:30:00"))
    ticks = 20
    start = threading.Barrier(ticks)

    def tick(second: int) -> Any:
        start.wait(timeout=10)
        return run_tick(at("2025-06-02T10:00:00") + timedelta(seconds=second))

    # when they all run at once
    with ThreadPoolExecutor(max_workers=ticks) as pool:
        results = list(pool.map(tick, range(ticks)))

    # then exactly one started the slot; every other tick saw a duplicate or, reading after the advance, nothing due
    assert sum(r.started for r in results) == 1
    assert all(r.started + r.duplicates == r.due <= 1 and r.errors == 0 for r in results)
    assert len(all_executions()) == 1
    assert len(studio.messages()) == 1
    assert Schedule.get(schedule.schedule_id).next_run_at == at("2025-06-02T11:00:00")


def test_a_repeated_tick_for_a_started_slot_is_a_duplicate(studio: Studio) -> None:
    # given a slot already started, and a schedule whose next run was put back (a retried, older tick)
    schedule = hourly(at("2025-06-02T09:30:00"))
    run_tick(at("2025-06-02T10:00:05"))
    stored = Schedule.get(schedule.schedule_id)
    stored.update(actions=[Schedule.next_run_at.set(at("2025-06-02T10:00:00"))])

    # when the tick runs again in the same hour
    result = run_tick(at("2025-06-02T10:00:40"))

    # then the conditional put refuses a second run of the slot
    assert (result.started, result.duplicates) == (0, 1)
    assert len(all_executions()) == 1
    assert len(studio.messages()) == 1


def test_after_three_hours_of_downtime_only_one_catch_up_run_happens(studio: Studio) -> None:
    # given an hourly schedule last due at 07:00, and no tick between 07:00 and 10:20 (07, 08, 09, 10 missed)
    schedule = hourly(at("2025-06-02T06:30:00"))

    # when the system comes back and ticks at 10:20, then at 10:21
    first = run_tick(at("2025-06-02T10:20:00"))
    second = run_tick(at("2025-06-02T10:21:00"))

    # then one run for the latest missed slot (10:00) happened, and the next run is after now
    assert (first.due, first.started, second.due) == (1, 1, 0)
    [execution] = all_executions()
    assert execution.scheduled_for == at("2025-06-02T10:00:00")
    assert Schedule.get(schedule.schedule_id).next_run_at == at("2025-06-02T11:00:00")
    assert len(studio.messages()) == 1


def test_an_orphaned_running_execution_times_out(studio: Studio) -> None:
    # given a run started at 10:00 with a 120 s timeout whose runner never reports back
    schedule = hourly(at("2025-06-02T09:30:00"))
    run_tick(at("2025-06-02T10:00:00"))
    [execution] = all_executions()
    past_deadline = execution.deadline_at + timedelta(seconds=1)

    # when a tick runs just before and just after its deadline
    early = run_tick(execution.deadline_at - timedelta(seconds=1))
    late = run_tick(past_deadline)

    # then only the later tick marks it timeout, takes it out of the running index, and records it on the schedule
    assert (early.timed_out, late.timed_out) == (0, 1)
    timed_out = Execution.get(execution.execution_id)
    assert timed_out.status == ExecutionStatus.TIMEOUT.value
    assert timed_out.running is None
    assert timed_out.finished_at == past_deadline
    assert timed_out.error == "the run did not finish before its deadline (runner stopped?)"
    assert list(executions.overdue(past_deadline + timedelta(days=1))) == []
    stored = Schedule.get(schedule.schedule_id)
    assert (stored.last_status, stored.last_run_at) == ("timeout", execution.started_at)


def test_an_orphan_closed_by_the_tick_has_its_line_in_the_run_log(studio: Studio) -> None:
    # given a scheduled run whose runner never reports back
    schedule = hourly(at("2025-06-02T09:30:00"))
    run_tick(at("2025-06-02T10:00:00"))
    [execution] = all_executions()
    past_deadline = execution.deadline_at + timedelta(seconds=1)

    # when the tick times it out
    assert run_tick(past_deadline).timed_out == 1

    # then the project's run log tells the same story as the execution, once
    [line] = runlog.read("projects/p1/", schedule.schedule_id)
    assert line["executionId"] == execution.execution_id
    assert line["status"] == "timeout"
    assert line["finishedAt"] == past_deadline.isoformat()
    assert line["error"] == "the run did not finish before its deadline (runner stopped?)"
    assert run_tick(past_deadline + timedelta(minutes=5)).timed_out == 0
    assert len(runlog.read("projects/p1/", schedule.schedule_id)) == 1


def test_deleting_a_project_deletes_every_run_in_it(studio: Studio) -> None:
    # given a scheduled run and a run-now in project p1, and a run in another project
    hourly(at("2025-06-02T09:30:00"))
    run_tick(at("2025-06-02T10:00:00"))
    Execution(execution_id="now-1", kind="skill", user_id="u2", project_id="p1").save()
    Execution(execution_id="elsewhere", kind="skill", user_id="u2", project_id="p2").save()

    # when p1 goes
    counts = store.delete_for_project("p1")

    # then only the other project's run is left
    assert counts == {"executions": 2, "schedules": 1}
    assert [e.execution_id for e in all_executions()] == ["elsewhere"]


def test_a_run_that_finished_is_not_timed_out(studio: Studio) -> None:
    # given a run the runner completed (it removed the sparse `running` attribute)
    hourly(at("2025-06-02T09:30:00"))
    run_tick(at("2025-06-02T10:00:00"))
    [execution] = all_executions()
    execution.update(actions=[Execution.status.set("completed"), Execution.running.remove()])

    # when a tick runs long after its deadline / then it is left alone
    assert run_tick(execution.deadline_at + timedelta(hours=1)).timed_out == 0
    assert Execution.get(execution.execution_id).status == "completed"


def test_a_run_that_cannot_be_queued_is_marked_failed(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the jobs queue does not exist
    schedule = hourly(at("2025-06-02T09:30:00"))
    monkeypatch.setenv(Env.JOBS_QUEUE_URL, studio.queue_url.replace(JOBS_QUEUE_NAME, "missing.fifo"))
    get_settings.cache_clear()

    # when the tick starts the slot
    result = run_tick(at("2025-06-02T10:00:00"))

    # then the execution failed with a readable error, the schedule says so and still moved on
    assert (result.started, result.failed) == (0, 1)
    [execution] = all_executions()
    assert execution.status == ExecutionStatus.FAILED.value
    assert execution.running is None
    assert execution.error.startswith("the run could not be queued: The work queue is not reachable")
    stored = Schedule.get(schedule.schedule_id)
    assert stored.last_status == "failed"
    assert stored.next_run_at == at("2025-06-02T11:00:00")


def test_one_bad_schedule_does_not_stop_the_tick(studio: Studio) -> None:
    # given a due schedule stored with a broken cron expression (written before validation existed)
    good = hourly(at("2025-06-02T09:30:00"))
    broken = Schedule(
        "broken",
        user_id="u1",
        project_id="p1",
        name="broken",
        cron="not a cron",
        prompt="x",
        due_shard=store.due_shard_for("broken"),
        next_run_at=at("2025-06-02T09:00:00"),
    )
    broken.save()

    # when the tick runs
    result = run_tick(at("2025-06-02T10:00:00"))

    # then the bad one is counted as an error and the good one still starts
    assert (result.due, result.started, result.errors) == (2, 1, 1)
    assert [e.schedule_id for e in all_executions()] == [good.schedule_id]


def test_a_0230_schedule_runs_once_on_the_spring_forward_day(studio: Studio) -> None:
    # given a daily 02:30 in Paris, ticking every minute through the night of 2025-03-30 (gap 02:00-03:00)
    schedule = hourly(at("2025-03-29T12:00:00"), cron="30 2 * * *", timezone=PARIS)
    moment = at("2025-03-29T23:30:00")

    # when the ticks run from 00:30 CET to 05:30 CEST
    while moment <= at("2025-03-30T03:30:00"):
        run_tick(moment)
        moment += timedelta(minutes=1)

    # then it ran once, at 03:00 CEST (the end of the gap), and next runs at 02:30 CEST tomorrow
    assert [e.scheduled_for for e in all_executions()] == [at("2025-03-30T01:00:00")]
    assert Schedule.get(schedule.schedule_id).next_run_at == at("2025-03-31T00:30:00")


def test_a_0130_schedule_runs_once_on_the_fall_back_day(studio: Studio) -> None:
    # given a daily 01:30 in New York, ticking every five minutes through the night of 2025-11-02
    schedule = hourly(at("2025-11-01T12:00:00"), cron="30 1 * * *", timezone=NEW_YORK)
    moment = at("2025-11-02T04:00:00")

    # when the ticks run through both 01:00-02:00 hours (EDT then EST)
    while moment <= at("2025-11-02T08:00:00"):
        run_tick(moment)
        moment += timedelta(minutes=5)

    # then it ran once, at the first 01:30 (EDT), and next runs at 01:30 EST tomorrow
    assert [e.scheduled_for for e in all_executions()] == [at("2025-11-02T05:30:00")]
    assert Schedule.get(schedule.schedule_id).next_run_at == at("2025-11-03T06:30:00")


# --- the entry point ------------------------------------------------------------------------------------


@dataclass
class FakeLambdaContext:
    function_name: str = "studio-tick"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:studio-tick"
    aws_request_id: str = "8f2c5a1e-0000-4000-8000-000000000001"


def test_the_handler_ticks_now_with_the_event_id_as_correlation_id(studio: Studio) -> None:
    # given a schedule that became due a minute ago (the handler uses the real clock)
    from functions.tick.handler import handler

    now = datetime.now(UTC)
    hourly(now - timedelta(hours=2), cron="* * * * *")
    event = json.loads((EVENTS / "scheduler_tick.json").read_text())

    # when EventBridge Scheduler invokes the function
    reply = handler(event, FakeLambdaContext())

    # then the due slot started, and its job carries the invocation's id
    assert reply["started"] == 1
    [message] = studio.messages()
    assert message["correlation_id"] == event["id"]


def test_the_handler_makes_up_a_correlation_id_when_the_event_has_none(studio: Studio) -> None:
    # given a schedule that became due, and the empty input EventBridge Scheduler sends by default
    from functions.tick.handler import handler

    hourly(datetime.now(UTC) - timedelta(hours=2), cron="* * * * *")

    # when the function is invoked / then the run starts and its job still has a correlation id
    assert handler({}, FakeLambdaContext())["started"] == 1
    [message] = studio.messages()
    assert message["correlation_id"]


def test_the_tick_entry_point_does_not_import_fastapi() -> None:
    # given a fresh interpreter / when the tick handler is imported / then neither FastAPI nor Mangum is loaded
    assert loaded_after(["functions.tick.handler"], ["fastapi", "mangum"]) == []


@pytest.mark.unit
def test_a_failed_run_is_counted_for_the_alarm(capsys: pytest.CaptureFixture[str]) -> None:
    import json as _json

    from shared import metrics

    metrics.run_failed("prompt", "timeout")

    lines = [_json.loads(line) for line in capsys.readouterr().out.splitlines() if "RunsFailed" in line]
    [line] = lines
    assert line["RunsFailed"] == [1.0] or line["RunsFailed"] == 1.0
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "sasha-studio"
    assert line["service"] == "sasha-studio"


def test_the_tick_queues_a_sync_for_each_drive_mount_due_and_only_once(studio: Studio) -> None:
    # Given a mount of a signed-in drive due at 10:00, and one whose drive waits for a sign-in
    now = at("2025-06-02T10:00:00")
    CloudConnection("c-ok", provider_id="p", user_id="u1", status="authorized").save()
    CloudConnection("c-pending", provider_id="p", user_id="u1").save()
    for mount_id, connection in (("m-due", "c-ok"), ("m-waiting", "c-pending")):
        CloudMount(mount_id, connection_id=connection, project_id="p1", path=mount_id, created_by="u1",
                   due_shard="due", next_sync_at=now - timedelta(minutes=1)).save()  # fmt: skip

    # When two ticks run
    first, second = run_tick(now), run_tick(now + timedelta(seconds=30))

    # Then the due mount's sync was queued once, in its own message group
    assert (first.drive_syncs, second.drive_syncs, first.errors) == (1, 0, 0)
    [message] = studio.messages()
    assert message["job_type"] == "drive.sync"
    assert Job.get(message["job_id"]).payload == {"mount_id": "m-due", "project_id": "p1"}


def test_the_tick_moves_the_waiting_turns_of_a_runner_that_died_to_the_jobs_queue(studio: Studio) -> None:
    own = studio.sqs.create_queue(QueueName="jobs-r-dead.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    studio.sqs.send_message(
        QueueUrl=own, MessageBody='{"job_id": "j1"}', MessageGroupId="session-s1", MessageDeduplicationId="j1"
    )
    routing.register_runner("dead", own)
    RunnerLease("runner#dead").update(actions=[RunnerLease.until.set(0)])  # it stopped renewing its lease

    result = run_tick(datetime.now(UTC))

    assert (result.turns_moved, result.errors) == (1, 0)
    [moved] = studio.sqs.receive_message(QueueUrl=studio.queue_url, MessageSystemAttributeNames=["All"])["Messages"]
    assert (moved["Body"], moved["Attributes"]["MessageGroupId"]) == ('{"job_id": "j1"}', "session-s1")
    assert own not in studio.sqs.list_queues().get("QueueUrls", [])


def a_job(job_id: str, status: JobStatus, *, updated: datetime, deadline: datetime | None = None) -> Job:
    job = Job(job_id, job_type="chat.turn", group_id=f"session-{job_id}", status=status.value, payload={"n": 1},
              updated_at=updated, deadline_at=deadline, active=None if status.is_terminal else ACTIVE)  # fmt: skip
    job.save()
    return job


def swept_messages(studio: Studio) -> list[tuple[str, str]]:
    """(job id, message group) of each message in the jobs queue, received and deleted."""
    found = []
    while batch := studio.sqs.receive_message(
        QueueUrl=studio.queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
    ).get("Messages"):
        for message in batch:
            found.append((json.loads(message["Body"])["job_id"], message["Attributes"]["MessageGroupId"]))
            studio.sqs.delete_message(QueueUrl=studio.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return sorted(found)


def test_the_tick_sends_jobs_no_runner_will_finish_again_once_and_leaves_the_others(studio: Studio) -> None:
    # Given a job running long past its deadline (its runner gone), one running within it, one queued for two hours
    # (its message lost), one queued for half an hour (waiting its turn) and one finished long ago
    now = at("2025-06-02T10:00:00")
    long_ago = now - timedelta(minutes=40)
    a_job("dead", JobStatus.RUNNING, updated=long_ago, deadline=now - SWEEP_GRACE - timedelta(seconds=1))
    a_job("busy", JobStatus.RUNNING, updated=long_ago, deadline=now + timedelta(minutes=5))
    a_job("lost", JobStatus.QUEUED, updated=now - QUEUED_AT_MOST - timedelta(minutes=1))
    a_job("waiting", JobStatus.QUEUED, updated=now - timedelta(minutes=30))
    a_job("done", JobStatus.SUCCEEDED, updated=now - timedelta(days=1))

    # When the tick runs, and again a minute later
    first, second = run_tick(now), run_tick(now + timedelta(minutes=1))

    # Then the two stuck jobs were sent once: the running one in a group of its own, the queued one in its own group
    assert (first.jobs_swept, second.jobs_swept, first.errors, second.errors) == (2, 0, 0, 0)
    assert swept_messages(studio) == [("dead", "swept-dead"), ("lost", "session-lost")]
    assert {job.job_id: job.status for job in Job.scan()} == {
        "dead": "running", "busy": "running", "lost": "queued", "waiting": "queued", "done": "succeeded",
    }  # fmt: skip  # a runner closes them, from their message

    # And a job still stuck is sent again after the grace, not every minute
    assert run_tick(now + SWEEP_GRACE + timedelta(minutes=1)).jobs_swept == 1
    assert swept_messages(studio) == [("dead", "swept-dead")]


def test_two_ticks_at_once_send_a_stuck_job_once(studio: Studio) -> None:
    now = at("2025-06-02T10:00:00")
    for n in range(5):
        a_job(f"dead-{n}", JobStatus.RUNNING, updated=now - timedelta(hours=1), deadline=now - timedelta(minutes=30))

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run_tick, [now, now]))

    assert sum(result.jobs_swept for result in results) == 5
    assert [job_id for job_id, _ in swept_messages(studio)] == [f"dead-{n}" for n in range(5)]
