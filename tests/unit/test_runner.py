"""The runner: typed jobs under a deadline, retries, recovery of interrupted jobs, messages settled last."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

import runner.jobs  # noqa: F401  # registers the product's handlers before the fixture copies the registry
from runner import registry
from runner.context import JobContext
from runner.errors import JobFailedError
from runner.worker import ELSEWHERE_LOOK_AGAIN_SECONDS, ELSEWHERE_LOOKS, Worker
from shared import aws, jobs
from shared.jobs import routing, store
from shared.jobs.types import JOB_TYPES, JobTypeSpec
from shared.models.connections import Connection
from shared.models.jobs import Job, JobStatus, RunnerLease
from shared.settings import Settings
from tests.support.aws import moto_aws, posted_events, queued_messages

SPECS = {
    "test.echo": JobTypeSpec("test.echo", timeout_seconds=5, max_attempts=2, retry_backoff_seconds=7),
    "test.ahead": JobTypeSpec("test.ahead", timeout_seconds=5, max_attempts=1, retry_backoff_seconds=1),
    "test.flaky": JobTypeSpec("test.flaky", timeout_seconds=5, max_attempts=2, retry_backoff_seconds=7),
    "test.broken": JobTypeSpec("test.broken", timeout_seconds=5, max_attempts=3),
    "test.slow": JobTypeSpec("test.slow", timeout_seconds=1, max_attempts=1),
    "test.process": JobTypeSpec("test.process", timeout_seconds=1, max_attempts=1),
}


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    for name, spec in SPECS.items():
        monkeypatch.setitem(JOB_TYPES, name, spec)
    monkeypatch.setattr(registry, "_HANDLERS", dict(registry._HANDLERS))
    register_test_handlers()
    with moto_aws([Job, Connection, RunnerLease]) as settings:
        yield settings


def register_test_handlers() -> None:
    @registry.job_handler("test.echo")
    def echo(ctx: JobContext) -> Any:
        return {"echo": ctx.job.payload}

    def read(payload: dict[str, Any], services: Any) -> Any:
        if payload.get("unreadable"):
            raise ConnectionError("the table is unreachable")
        return {"read from the message": payload}

    @registry.job_handler("test.ahead", ahead=read)
    def ahead(ctx: JobContext) -> Any:
        return {"ahead": ctx.ahead}

    @registry.job_handler("test.flaky")
    def flaky(ctx: JobContext) -> Any:
        raise ConnectionError("the upstream API dropped the connection")

    @registry.job_handler("test.broken")
    def broken(ctx: JobContext) -> Any:
        raise JobFailedError("the skill file is malformed")

    @registry.job_handler("test.slow")
    def slow(ctx: JobContext) -> Any:
        while True:
            ctx.check()
            time.sleep(0.02)

    @registry.job_handler("test.process")
    def process(ctx: JobContext) -> Any:
        script = "import subprocess, time; subprocess.Popen(['sleep', '30']); time.sleep(30)"
        ctx.run_process([sys.executable, "-c", script])


def receive(settings: Settings) -> dict[str, Any]:
    [message] = queued_messages(settings, visibility=60)
    return message


def worker(settings: Settings) -> Worker:
    return Worker(settings, runner_id="runner-test", wait_seconds=0)


def test_a_job_runs_and_its_message_is_deleted_only_after_success(cloud: Settings) -> None:
    job = jobs.enqueue("test.echo", {"n": 1})

    outcome = worker(cloud).handle(receive(cloud))

    assert outcome.delete
    done = store.get(job.job_id)
    assert done is not None
    assert done.status == JobStatus.SUCCEEDED
    assert done.result == {"echo": {"n": 1}}
    assert done.runner_id == "runner-test"


def test_a_retryable_failure_requeues_with_backoff_then_fails_when_attempts_run_out(cloud: Settings) -> None:
    job = jobs.enqueue("test.flaky", {})
    runner = worker(cloud)
    message = receive(cloud)

    first = runner.handle(message)
    assert (first.delete, first.retry_after) == (False, 7)
    assert store.get(job.job_id).status == JobStatus.QUEUED  # type: ignore[union-attr]

    second = runner.handle(message)  # the same message, redelivered after the backoff
    assert second.delete
    failed = store.get(job.job_id)
    assert failed is not None
    assert failed.status == JobStatus.FAILED
    assert failed.attempts == 2
    assert "dropped the connection" in (failed.error or "")


def test_an_error_that_is_never_retried_fails_at_once(cloud: Settings) -> None:
    job = jobs.enqueue("test.broken", {})

    outcome = worker(cloud).handle(receive(cloud))

    assert outcome.delete
    failed = store.get(job.job_id)
    assert failed is not None
    assert (failed.status, failed.attempts, failed.error) == (JobStatus.FAILED, 1, "the skill file is malformed")


def test_a_job_past_its_timeout_is_stopped_and_marked_timeout(cloud: Settings) -> None:
    job = jobs.enqueue("test.slow", {})

    outcome = worker(cloud).handle(receive(cloud))

    assert outcome.delete
    assert store.get(job.job_id).status == JobStatus.TIMEOUT  # type: ignore[union-attr]


def test_a_timed_out_process_is_killed_with_its_whole_group(cloud: Settings, tmp_path: Any) -> None:
    job = jobs.enqueue("test.process", {})
    before = {int(pid) for pid in os.listdir("/proc") if pid.isdigit()}

    worker(cloud).handle(receive(cloud))

    assert store.get(job.job_id).status == JobStatus.TIMEOUT  # type: ignore[union-attr]
    leftovers = []
    for pid in {int(pid) for pid in os.listdir("/proc") if pid.isdigit()} - before:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read()
            with open(f"/proc/{pid}/stat") as handle:
                state = handle.read().split()[2]
        except OSError:
            continue
        if command.startswith(b"sleep\x0030") and state != "Z":
            leftovers.append(pid)
    assert leftovers == []


def test_a_duplicate_message_for_a_finished_job_is_dropped(cloud: Settings) -> None:
    job = jobs.enqueue("test.echo", {})
    store.finish(job, JobStatus.SUCCEEDED)

    outcome = worker(cloud).handle(receive(cloud))

    assert outcome.delete
    assert store.get(job.job_id).result is None  # type: ignore[union-attr]  # not run twice


def test_a_job_interrupted_with_no_attempts_left_is_marked_failed(cloud: Settings) -> None:
    job = jobs.enqueue("test.slow", {})  # max_attempts = 1
    store.start(job, "runner-that-died")

    outcome = worker(cloud).handle(receive(cloud))

    assert outcome.delete
    failed = store.get(job.job_id)
    assert failed is not None
    assert failed.status == JobStatus.FAILED
    assert "runner stopped" in (failed.error or "")


def test_a_second_message_of_a_job_a_live_runner_has_is_looked_at_again_then_dropped(cloud: Settings) -> None:
    # Given a job another runner is running, and alive (its lease renewed), and a second message of that job
    job = jobs.enqueue("test.slow", {})  # max_attempts = 1
    store.start(job, "runner-alive")
    routing.register_runner("runner-alive", "https://sqs.example/runner-alive.fifo")

    # When this runner receives the message, then it looks again once a runner that died would show it
    message = receive(cloud)
    first = worker(cloud).handle(message)
    assert (first.delete, first.retry_after) == (False, ELSEWHERE_LOOK_AGAIN_SECONDS)

    # And once the runner looked alive that many times, the message is dropped: that runner finishes the job
    message["Attributes"]["ApproximateReceiveCount"] = str(ELSEWHERE_LOOKS)
    assert worker(cloud).handle(message).delete
    still = store.get(job.job_id)
    assert still is not None
    assert (still.status, still.runner_id, still.attempts) == (JobStatus.RUNNING, "runner-alive", 1)


def test_a_job_whose_runner_stopped_renewing_its_lease_is_closed_as_interrupted(cloud: Settings) -> None:
    job = jobs.enqueue("test.slow", {})  # max_attempts = 1
    store.start(job, "runner-that-died")
    routing.register_runner("runner-that-died", "https://sqs.example/runner-that-died.fifo")
    RunnerLease("runner#runner-that-died").update(actions=[RunnerLease.until.set(0)])

    outcome = worker(cloud).handle(receive(cloud))

    failed = store.get(job.job_id)
    assert outcome.delete and failed is not None
    assert (failed.status, "runner stopped" in (failed.error or "")) == (JobStatus.FAILED, True)


def test_a_job_interrupted_with_attempts_left_is_reclaimed_and_run(cloud: Settings) -> None:
    job = jobs.enqueue("test.echo", {})  # max_attempts = 2
    store.start(job, "runner-that-died")

    worker(cloud).handle(receive(cloud))

    done = store.get(job.job_id)
    assert done is not None
    assert (done.status, done.attempts, done.runner_id) == (JobStatus.SUCCEEDED, 2, "runner-test")


@pytest.mark.parametrize("sent_by", ["this API", "an older API"])
def test_a_job_runs_whether_or_not_its_message_says_its_timeout(cloud: Settings, sent_by: str) -> None:
    # Given a job whose message says its timeout (started with one write), or one from before messages did
    job = jobs.enqueue("test.echo", {"n": 2}, timeout_seconds=42)
    message = receive(cloud)
    body = json.loads(message["Body"])
    assert body["timeout_seconds"] == 42
    if sent_by == "an older API":
        message = {**message, "Body": json.dumps({key: body[key] for key in ("job_id", "job_type", "correlation_id")})}

    # When the runner handles it, then it runs once, with the job's own deadline
    assert worker(cloud).handle(message).delete
    done = store.get(job.job_id)
    assert done is not None
    assert (done.status, done.attempts, done.result) == (JobStatus.SUCCEEDED, 1, {"echo": {"n": 2}})
    assert (done.deadline_at - done.started_at).total_seconds() == 42


@pytest.mark.parametrize("sent_by", ["this API", "an older API"])
def test_a_job_s_reads_start_from_its_message_while_it_is_being_started(cloud: Settings, sent_by: str) -> None:
    # Given a job whose message carries its payload (or, from an older API, does not)
    job = jobs.enqueue("test.ahead", {"n": 3})
    message = receive(cloud)
    if sent_by == "an older API":
        body = json.loads(message["Body"])
        message = {**message, "Body": json.dumps({key: body[key] for key in body if key != "payload"})}

    # When the runner handles it, then the handler has what its reads started from the message, or nothing
    assert worker(cloud).handle(message).delete
    done = store.get(job.job_id)
    assert done is not None
    read = {"read from the message": {"n": 3}} if sent_by == "this API" else None
    assert (done.status, done.result) == (JobStatus.SUCCEEDED, {"ahead": read})


def test_reads_ahead_that_fail_or_belong_to_another_job_type_leave_the_job_to_read_as_it_goes(cloud: Settings) -> None:
    # Given a job whose reads ahead fail, and a message whose type is not its job's
    failing = jobs.enqueue("test.ahead", {"unreadable": True})
    assert worker(cloud).handle(receive(cloud)).delete
    other = jobs.enqueue("test.echo", {"n": 4})
    message = receive(cloud)
    message = {**message, "Body": json.dumps({**json.loads(message["Body"]), "job_type": "test.ahead"})}

    # Then both still run, without anything read ahead
    assert worker(cloud).handle(message).delete
    failed_ahead, echoed = store.get(failing.job_id), store.get(other.job_id)
    assert failed_ahead is not None and failed_ahead.result == {"ahead": None}
    assert echoed is not None and (echoed.status, echoed.result) == (JobStatus.SUCCEEDED, {"echo": {"n": 4}})


def test_a_message_without_a_job_is_dropped(cloud: Settings) -> None:
    aws.client("sqs").send_message(
        QueueUrl=cloud.jobs_queue_url, MessageBody="{not json", MessageGroupId="g", MessageDeduplicationId="d"
    )

    assert worker(cloud).handle(receive(cloud)).delete


def test_a_job_type_this_runner_does_not_know_fails_with_a_reason(cloud: Settings) -> None:
    job = jobs.enqueue("schedule.run", {})
    registry._HANDLERS.pop("schedule.run", None)

    assert worker(cloud).handle(receive(cloud)).delete
    failed = store.get(job.job_id)
    assert failed is not None
    assert failed.status == JobStatus.FAILED
    assert "cannot run 'schedule.run'" in (failed.error or "")


def test_the_ping_job_answers_on_the_websocket(cloud: Settings) -> None:
    job = jobs.enqueue("ping", {"connection_id": "conn-7", "ping_id": "p1", "received_at_ms": 1})

    worker(cloud).handle(receive(cloud))

    [pong] = posted_events("conn-7")
    assert pong["type"] == "pong"
    assert pong["id"] == "p1"
    assert pong["via"] == "runner"
    assert pong["jobId"] == job.job_id


def test_the_poll_loop_settles_every_message_it_receives(cloud: Settings) -> None:
    first = jobs.enqueue("test.echo", {"n": 1})
    second = jobs.enqueue("test.echo", {"n": 2})
    runner = worker(cloud)

    started = 0
    deadline = time.monotonic() + 10
    while started < 2 and time.monotonic() < deadline:
        started += runner.poll_once()
    runner._pool.shutdown(wait=True)

    assert started == 2
    for job in (first, second):
        assert store.get(job.job_id).status == JobStatus.SUCCEEDED  # type: ignore[union-attr]
    assert queued_messages(cloud) == []


def test_the_heartbeat_keeps_a_running_job_invisible(cloud: Settings) -> None:
    jobs.enqueue("test.echo", {})
    sqs = aws.client("sqs")
    message = sqs.receive_message(QueueUrl=cloud.jobs_queue_url, VisibilityTimeout=1)["Messages"][0]
    runner = worker(cloud)
    runner._heartbeat.track(message["MessageId"], message["ReceiptHandle"])

    runner._heartbeat.extend_all()  # now invisible for the full visibility timeout again
    time.sleep(1.2)  # past the original one-second visibility

    assert queued_messages(cloud) == []
    assert json.loads(message["Body"])["job_type"] == "test.echo"


def test_messages_of_one_group_in_one_batch_run_one_after_another(cloud: Settings) -> None:
    job = jobs.enqueue("test.echo", {"n": 1}, group_id="session-1")
    aws.client("sqs").send_message(  # a duplicate delivery of the same job, in the same group
        QueueUrl=cloud.jobs_queue_url,
        MessageBody=json.dumps({"job_id": job.job_id, "job_type": "test.echo"}),
        MessageGroupId="session-1",
        MessageDeduplicationId="duplicate",
    )
    runner = worker(cloud)

    started = 0
    deadline = time.monotonic() + 10
    while started < 2 and time.monotonic() < deadline:
        started += runner.poll_once()
    runner._pool.shutdown(wait=True)

    done = store.get(job.job_id)
    assert done is not None
    assert (done.status, done.attempts) == (JobStatus.SUCCEEDED, 1)  # run once; the duplicate was dropped
    assert queued_messages(cloud) == []
