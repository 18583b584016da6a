"""Turns go to the runner that keeps their session warm, through its own queue; a gone runner's queue is emptied."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import runner.jobs  # noqa: F401  # registers the handlers
from runner.queues import OwnQueue, own_queue_name
from runner.worker import Worker
from shared import aws, jobs
from shared.db import Reads
from shared.jobs import routing, store
from shared.jobs.types import JOB_TYPES, JobTypeSpec
from shared.models.jobs import Job, JobStatus, RunnerLease
from shared.settings import Settings
from tests.support.aws import aws_calls, moto_aws, queued_messages


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setitem(JOB_TYPES, "ping", JobTypeSpec("ping", timeout_seconds=10))
    with moto_aws([Job, RunnerLease]) as settings:
        yield settings


def messages_in(queue_url: str) -> list[dict[str, Any]]:
    response = aws.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageSystemAttributeNames=["All"]
    )
    return list(response.get("Messages", []))


def wait_until(condition: Callable[[], bool], *, seconds: float) -> bool:
    """Whether `condition` held within `seconds` (checked every 50 ms)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_turn_goes_to_the_shared_queue_unless_a_live_runner_keeps_its_session(cloud: Settings):
    own = OwnQueue(aws.client("sqs"), cloud.jobs_queue_url, "runner-a")
    url = own.open()
    try:
        jobs.enqueue("ping", {}, group_id="session-s1", warm_session="s1")
        assert len(queued_messages(cloud)) == 1 and messages_in(url) == []  # no lease: the shared queue

        routing.lease_session("s1", "runner-a", 600)
        job = jobs.enqueue("ping", {}, group_id="session-s1", warm_session="s1")

        [mine] = messages_in(url)
        assert job.job_id in mine["Body"]
        assert mine["Attributes"]["MessageGroupId"] == "session-s1"
        # The lease of a runner that stopped renewing counts for nothing, whatever the session's says.
        assert routing.queue_for_session("s1") == url
        assert routing.queue_for_session("s1", now=time.time() + routing.RUNNER_ALIVE_SECONDS + 1) is None
        routing.release_session("s1", "runner-b")  # someone else's release changes nothing
        assert routing.queue_for_session("s1") == url
        routing.release_session("s1", "runner-a")
        assert routing.queue_for_session("s1") is None
    finally:
        own.close()


def route(session_id: str) -> tuple[str | None, list[tuple[str, dict[str, Any]]]]:
    """The queue a turn of the session goes to, as the API's accept reads it (with its other reads), and the calls."""
    with aws_calls() as calls:
        reads = Reads()
        lease = routing.session_lease_in(reads, session_id)
        reads.send()
        return routing.queue_of(lease), calls


def test_a_sessions_lease_is_read_with_that_of_the_runner_that_held_it_last(cloud: Settings):
    runners = {name: OwnQueue(aws.client("sqs"), cloud.jobs_queue_url, name) for name in ("runner-a", "runner-b")}
    urls = {name: own.open() for name, own in runners.items()}
    try:
        # The first turn of a warm session reads the runner's lease after the session's
        routing.lease_session("s-guess", "runner-a", 600)
        queue, calls = route("s-guess")
        assert queue == urls["runner-a"]
        assert [operation for operation, _ in calls] == ["BatchGetItem", "GetItem"]

        # The next ones read both at once: one call
        queue, calls = route("s-guess")
        assert queue == urls["runner-a"]
        [(operation, params)] = calls
        keys = [key["key"]["S"] for keys in params["RequestItems"].values() for key in keys["Keys"]]
        assert (operation, sorted(keys)) == ("BatchGetItem", ["runner#runner-a", "session#s-guess"])

        # The session moves to another runner: its turns follow it, and then its lease is the one read ahead
        routing.lease_session("s-guess", "runner-b", 600)
        assert route("s-guess")[0] == urls["runner-b"]
        queue, calls = route("s-guess")
        assert (queue, [operation for operation, _ in calls]) == (urls["runner-b"], ["BatchGetItem"])

        # A runner that stopped renewing its lease gets no turn, read ahead or not
        RunnerLease("runner#runner-b").update(actions=[RunnerLease.until.set(int(time.time()) - 1)])
        assert route("s-guess")[0] is None
        routing.release_session("s-guess", "runner-b")
        assert route("s-guess")[0] is None
    finally:
        for own in runners.values():
            own.close()


def test_closing_a_runner_moves_its_waiting_turns_to_the_shared_queue_in_order_and_deletes_its_queue(
    cloud: Settings,
):
    own = OwnQueue(aws.client("sqs"), cloud.jobs_queue_url, "runner-a")
    url = own.open()
    routing.lease_session("s1", "runner-a", 600)
    first = jobs.enqueue("ping", {"n": 1}, group_id="session-s1", warm_session="s1")
    second = jobs.enqueue("ping", {"n": 2}, group_id="session-s1", warm_session="s1")

    own.close()

    moved = queued_messages(cloud)
    assert [first.job_id in moved[0]["Body"], second.job_id in moved[1]["Body"]] == [True, True]
    assert {m["Attributes"]["MessageGroupId"] for m in moved} == {"session-s1"}
    assert url not in aws.client("sqs").list_queues().get("QueueUrls", [])
    assert routing.queue_for_session("s1") is None  # the runner's lease went with it


def test_a_live_runner_empties_the_queue_of_a_runner_that_stopped_renewing_its_lease(cloud: Settings):
    dead = OwnQueue(aws.client("sqs"), cloud.jobs_queue_url, "runner-dead")
    dead_url = dead.open()
    dead._stop.set()  # it dies: no renewal, no close
    routing.lease_session("s1", "runner-dead", 600)
    job = jobs.enqueue("ping", {}, group_id="session-s1", warm_session="s1")
    RunnerLease("runner#runner-dead").update(actions=[RunnerLease.until.set(int(time.time()) - 1)])

    assert routing.gone_runners() == [("runner-dead", dead_url)]
    assert routing.empty_gone_runners() == 1  # what a live runner does every few seconds, and the tick every minute

    [moved] = queued_messages(cloud)
    assert job.job_id in moved["Body"]
    assert routing.gone_runners() == []
    assert dead_url not in aws.client("sqs").list_queues().get("QueueUrls", [])


def test_a_gone_runners_queue_with_a_turn_still_in_flight_is_kept_until_it_comes_back(cloud: Settings):
    dead = OwnQueue(aws.client("sqs"), cloud.jobs_queue_url, "runner-dead")
    dead_url = dead.open()
    dead._stop.set()
    routing.lease_session("s2", "runner-dead", 600)
    jobs.enqueue("ping", {}, group_id="session-s2", warm_session="s2")
    aws.client("sqs").receive_message(QueueUrl=dead_url, VisibilityTimeout=60)  # the dead runner was working on it
    RunnerLease("runner#runner-dead").update(actions=[RunnerLease.until.set(int(time.time()) - 1)])

    assert routing.empty_runner_queue(dead_url, "runner-dead") == 0
    assert dead_url in aws.client("sqs").list_queues().get("QueueUrls", [])
    assert routing.gone_runners() != []  # tried again at the next round


def test_a_runner_takes_the_jobs_of_its_own_queue(cloud: Settings):
    # The own queue's poller is the worker's own thread (one poller per lane, as in a runner): the test only waits.
    worker = Worker(cloud, runner_id="runner-a", wait_seconds=1)
    opened = worker._open_own_queue()
    assert opened is not None and worker.own_queue is not None
    lane, poller = opened
    try:
        routing.lease_session("s1", "runner-a", 600)
        job = jobs.enqueue("ping", {"connection_id": "conn-1", "ping_id": "p", "received_at_ms": 1}, warm_session="s1")

        done = wait_until(lambda: JobStatus(store.get(job.job_id).status).is_terminal, seconds=30)  # type: ignore[union-attr]
        assert done and store.get(job.job_id).status == JobStatus.SUCCEEDED  # type: ignore[union-attr]
        assert wait_until(lambda: messages_in(lane.url) == [], seconds=10)
    finally:
        worker.stop()
        poller.join(timeout=10)
        lane.executor.shutdown(wait=True)  # the own queue's jobs run on threads of their own
        lane.heartbeat.stop()
        worker.own_queue.close()


def test_own_queue_names_fit_sqs_and_the_granted_pattern():
    shared = "https://sqs.us-east-1.amazonaws.com/123456789012/sasha-production-jobs.fifo"
    name = own_queue_name(shared, "ip-10-0-1-17.ec2.internal-4242" * 4)
    assert len(name) <= 80 and name.endswith(".fifo")
    assert name.startswith(routing.runner_queue_prefix("sasha-production-jobs.fifo"))
