"""Enqueuing and the job state machine: conditional transitions, never a job without its record."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from shared import aws, jobs
from shared.errors import ServiceUnavailableError
from shared.jobs import store
from shared.jobs.queue import AHEAD_PAYLOAD_BYTES
from shared.jobs.store import JobStateError
from shared.models.jobs import Job, JobStatus
from shared.settings import Settings
from tests.support.aws import moto_aws, queued_messages


@pytest.fixture
def cloud() -> Iterator[Settings]:
    with moto_aws([Job]) as settings:
        yield settings


def test_enqueue_records_the_job_then_sends_a_fifo_message(cloud: Settings) -> None:
    job = jobs.enqueue("ping", {"connection_id": "c1"}, group_id="g1", owner_id="u1", correlation_id="r1")

    stored = store.get(job.job_id)
    assert stored is not None
    assert stored.status == JobStatus.QUEUED
    assert stored.active == "active"
    assert stored.timeout_seconds == 10
    [message] = queued_messages(cloud)
    assert json.loads(message["Body"]) == {
        "job_id": job.job_id,
        "job_type": "ping",
        "correlation_id": "r1",
        "timeout_seconds": 10,  # the runner starts it with one write (runner/worker.py)
        "payload": {"connection_id": "c1"},  # its reads start meanwhile
    }
    assert message["Attributes"]["MessageGroupId"] == "g1"
    assert message["Attributes"]["MessageDeduplicationId"] == job.job_id


def test_a_large_payload_stays_in_the_job_record_only(cloud: Settings) -> None:
    job = jobs.enqueue("ping", {"connection_id": "c" * (AHEAD_PAYLOAD_BYTES + 1)}, group_id="g1")

    [message] = queued_messages(cloud)
    assert "payload" not in json.loads(message["Body"])
    stored = store.get(job.job_id)
    assert stored is not None and len(stored.payload["connection_id"]) == AHEAD_PAYLOAD_BYTES + 1


def test_an_unknown_job_type_is_a_programming_error(cloud: Settings) -> None:
    with pytest.raises(ValueError, match="unknown job type"):
        jobs.enqueue("launch", {})


def test_a_job_whose_message_cannot_be_sent_is_failed_not_left_waiting(cloud: Settings) -> None:
    client = aws.client("sqs")

    with Stubber(client) as stub, pytest.raises(ServiceUnavailableError, match="not reachable"):
        stub.add_client_error("send_message", service_error_code="ServiceUnavailable", http_status_code=503)
        jobs.enqueue("ping", {}, job_id="job-unsent")

    job = store.get("job-unsent")
    assert job is not None
    assert job.status == JobStatus.FAILED
    assert job.active is None
    assert "could not be queued" in (job.error or "")


def test_start_then_finish_takes_the_job_out_of_the_active_index(cloud: Settings) -> None:
    job = jobs.enqueue("ping", {})
    assert [active.job_id for active in store.list_active()] == [job.job_id]

    store.start(job, "runner-a")
    assert job.status == JobStatus.RUNNING
    assert job.attempts == 1
    assert job.deadline_at is not None
    store.finish(job, JobStatus.SUCCEEDED, result={"ok": True})

    assert store.list_active() == []
    finished = store.get(job.job_id)
    assert finished is not None
    assert finished.result == {"ok": True}
    assert finished.expires_at is not None


def test_a_finished_job_cannot_be_started_or_finished_again(cloud: Settings) -> None:
    job = jobs.enqueue("ping", {})
    store.finish(job, JobStatus.CANCELLED)

    with pytest.raises(JobStateError):
        store.start(job, "runner-a")
    with pytest.raises(JobStateError):
        store.finish(store.get(job.job_id), JobStatus.SUCCEEDED)  # type: ignore[arg-type]


def test_a_stale_copy_cannot_overwrite_a_newer_state(cloud: Settings) -> None:
    job = jobs.enqueue("ping", {})
    stale = store.get(job.job_id)
    store.start(job, "runner-a")

    assert stale is not None
    with pytest.raises(JobStateError):
        store.start(stale, "runner-b")  # the version attribute refuses the stale write


def test_retry_puts_a_running_job_back_to_queued(cloud: Settings) -> None:
    job = jobs.enqueue("ping", {})
    store.start(job, "runner-a")

    store.retry(job, "throttled")

    assert job.status == JobStatus.QUEUED
    assert job.error == "throttled"
    assert [active.job_id for active in store.list_active()] == [job.job_id]


def test_a_queued_job_starts_in_one_write_and_its_version_moves_on(cloud: Settings) -> None:
    # Given a queued job, read by someone before it starts
    job = jobs.enqueue("ping", {"connection_id": "c1"})
    copy = store.get(job.job_id)
    assert copy is not None

    # When a runner starts it without reading it, then it runs, with its deadline from the message's timeout
    started = store.start_queued(job.job_id, "runner-1", 10)
    assert started is not None
    assert (started.status, started.attempts, started.runner_id) == (JobStatus.RUNNING, 1, "runner-1")
    assert started.payload == {"connection_id": "c1"}
    assert (started.deadline_at - started.started_at).total_seconds() == 10

    # And the older copy can no longer be written over it
    with pytest.raises(JobStateError):
        store.finish(copy, JobStatus.FAILED, error="stale")
    # And a job that is not queued (running, or with no record) is left to be read and decided
    assert store.start_queued(job.job_id, "runner-2", 10) is None
    assert store.start_queued("no-such-job", "runner-2", 10) is None
    assert store.get(job.job_id).runner_id == "runner-1"  # type: ignore[union-attr]
