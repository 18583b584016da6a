"""Enqueue a job: record it, then send its message to the FIFO jobs queue."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared import aws
from shared.errors import ServiceUnavailableError
from shared.jobs import routing, store
from shared.jobs.types import spec_for
from shared.logs import logger
from shared.models.jobs import Job, JobStatus
from shared.settings import get_settings

AHEAD_PAYLOAD_BYTES = 2048  # a payload this small rides in the message too


def message_body(job: Job) -> str:
    """What the runner needs to start the job without reading its record first (runner/worker.py), and a small
    payload, so that the job's reads can start while it is being started (the record's payload stays the job's)."""
    body: dict[str, Any] = {
        "job_id": job.job_id,
        "job_type": job.job_type,
        "correlation_id": job.correlation_id,
        "timeout_seconds": int(job.timeout_seconds),
    }
    if len(json.dumps(job.payload, default=str)) <= AHEAD_PAYLOAD_BYTES:
        body["payload"] = job.payload
    return json.dumps(body)


def send_again(job: Job, *, reason: str, stamp: int) -> None:
    """A fresh message for a job whose own may be gone, on the shared queue; the runner decides it as any
    redelivery. A queued job keeps its group, so it still runs in order (behind its old message, if that one
    exists); a running one is only to be closed or reclaimed, in a group of its own (`<reason>-<job id>`), so
    that nothing waits behind it."""
    group = job.group_id if job.status == JobStatus.QUEUED.value else f"{reason}-{job.job_id}"
    aws.client("sqs").send_message(
        QueueUrl=get_settings().jobs_queue_url,
        MessageBody=message_body(job),
        MessageGroupId=group,
        MessageDeduplicationId=f"{job.job_id}:{reason}:{stamp}",
    )


def enqueue(
    job_type: str,
    payload: dict[str, Any],
    *,
    group_id: str | None = None,
    owner_id: str | None = None,
    correlation_id: str | None = None,
    job_id: str | None = None,
    timeout_seconds: int | None = None,
    warm_session: str | None = None,
    runner_queue: str | None = None,
) -> Job:
    """Create the job record (queued) and send its message; jobs of one group run in order.

    The record is written first so that the runner always finds it. If the message cannot be sent the
    record is marked failed, so nothing is left waiting for a message that will never come. The message goes to
    `runner_queue` when given, else to the queue of the runner keeping `warm_session`'s process, if one does.
    """
    job = store.write(
        prepare(
            job_type,
            payload,
            group_id=group_id,
            owner_id=owner_id,
            correlation_id=correlation_id,
            job_id=job_id,
            timeout_seconds=timeout_seconds,
        )
    )
    if runner_queue is None and warm_session:
        runner_queue = routing.queue_for_session(warm_session)
    send(job, runner_queue)
    return job


def prepare(
    job_type: str,
    payload: dict[str, Any],
    *,
    group_id: str | None = None,
    owner_id: str | None = None,
    correlation_id: str | None = None,
    job_id: str | None = None,
    timeout_seconds: int | None = None,
) -> Job:
    """The record of a job to queue, not written yet: written with the records it goes with (shared.db.put_all),
    then `send`; `enqueue` does both for a job on its own."""
    spec = spec_for(job_type)
    job_id = job_id or store.new_job_id()
    return store.record(
        job_id=job_id,
        job_type=job_type,
        payload=payload,
        group_id=group_id or job_id,
        max_attempts=spec.max_attempts,
        timeout_seconds=timeout_seconds or spec.timeout_seconds,
        owner_id=owner_id,
        correlation_id=correlation_id,
    )


def send(job: Job, runner_queue: str | None = None) -> None:
    """Send a recorded job's message (to `runner_queue` when given: `_send`). If it cannot be sent the record is
    marked failed, so nothing is left waiting for a message that will never come (ServiceUnavailableError)."""
    try:
        _send(job, runner_queue)
    except (BotoCoreError, ClientError) as exc:
        logger.exception("could not send the job message", extra={"job_id": job.job_id, "job_type": job.job_type})
        store.finish(job, JobStatus.FAILED, error="The job could not be queued.")
        raise ServiceUnavailableError("The work queue is not reachable right now; try again in a moment.") from exc
    logger.info("job queued", extra={"job_id": job.job_id, "job_type": job.job_type, "group_id": job.group_id})


def _send(job: Job, runner_queue: str | None) -> None:
    """To the runner's own queue when given (it keeps the session's process), else, or when that fails, the shared
    one (a runner queue is deleted when its runner goes)."""
    sqs, message = aws.client("sqs"), message_body(job)
    if runner_queue is not None:
        try:
            sqs.send_message(
                QueueUrl=runner_queue,
                MessageBody=message,
                MessageGroupId=job.group_id,
                MessageDeduplicationId=job.job_id,
            )
            return
        except (BotoCoreError, ClientError):
            logger.warning("a runner's queue refused a job; it goes to the shared queue", extra={"job_id": job.job_id})
    sqs.send_message(
        QueueUrl=get_settings().jobs_queue_url,
        MessageBody=message,
        MessageGroupId=job.group_id,
        MessageDeduplicationId=job.job_id,
    )
