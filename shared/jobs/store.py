"""The job repository: state transitions as conditional writes.

    queued ──start──▶ running ──finish──▶ succeeded | failed | timeout
      ▲                 │  ▲
      └─────retry───────┘  └──reclaim── (a redelivered message whose runner died)

Every transition checks the state it starts from, and the version attribute guards against two runners
writing the same job; a failed condition becomes `JobStateError`.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from shared.db import condition_failed, delete_all
from shared.models.base import utcnow
from shared.models.jobs import ACTIVE, Job, JobStatus

# Finished job records are kept for a month, then DynamoDB's TTL removes them.
FINISHED_JOB_RETENTION_SECONDS = 30 * 24 * 60 * 60


class JobStateError(Exception):
    """A job was not in the state a transition requires (another writer got there first)."""


def new_job_id() -> str:
    return uuid.uuid4().hex


def record(
    *,
    job_id: str,
    job_type: str,
    payload: dict[str, Any],
    group_id: str,
    max_attempts: int,
    timeout_seconds: int,
    owner_id: str | None,
    correlation_id: str | None,
) -> Job:
    """A queued job's record, not written yet: `write` writes it, or a batch with the records it goes with."""
    return Job(
        job_id,
        job_type=job_type,
        payload=payload,
        group_id=group_id,
        max_attempts=max_attempts,
        timeout_seconds=timeout_seconds,
        owner_id=owner_id,
        correlation_id=correlation_id,
        active=ACTIVE,
    )


def write(job: Job) -> Job:
    """Write a job's record made by `record`; JobStateError if one with its id exists."""
    try:
        job.save(condition=Job.job_id.does_not_exist())
    except PutError as exc:
        raise JobStateError(f"job {job.job_id} already exists") from exc
    return job


def get(job_id: str) -> Job | None:
    try:
        return Job.get(job_id, consistent_read=True)
    except DoesNotExist:
        return None


def wait_for(job_id: str, seconds: float, *, first_poll: float = 0.01, last_poll: float = 0.2) -> Job | None:
    """The job once it has ended (a caller waiting within API Gateway's 29 s); None if it is still going after
    `seconds`. Polls quickly at first, then every `last_poll` seconds."""
    deadline = time.monotonic() + seconds
    pause = first_poll
    while time.monotonic() < deadline:
        current = get(job_id)
        if current is not None and JobStatus(current.status).is_terminal:
            return current
        time.sleep(pause)
        pause = min(last_poll, pause * 1.5)
    return None


def start(job: Job, runner_id: str) -> Job:
    """queued → running, or reclaim a running job whose runner died; counts an attempt."""
    _update(
        job,
        _starting(runner_id, int(job.timeout_seconds)),
        Job.status.is_in(JobStatus.QUEUED.value, JobStatus.RUNNING.value),
    )
    return job


def start_queued(job_id: str, runner_id: str, timeout_seconds: int) -> Job | None:
    """queued → running without reading the job first: one conditional write, which returns it. None when it is
    not queued (or has no record): read it, and decide (`start` reclaims a running one)."""
    try:
        # Below the model's update, whose optimistic lock wants the version read first; the condition on the
        # status is the lock here, and the version still moves on, for whoever holds an older copy.
        data = Job._get_connection().update_item(
            job_id,
            actions=[*_starting(runner_id, timeout_seconds), Job.version.add(1)],
            condition=Job.status == JobStatus.QUEUED.value,
            return_values="ALL_NEW",
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return Job.from_raw_data(data["Attributes"])


def _starting(runner_id: str, timeout_seconds: int) -> list[Any]:
    now = utcnow()
    return [
        Job.status.set(JobStatus.RUNNING.value),
        Job.attempts.add(1),
        Job.runner_id.set(runner_id),
        Job.started_at.set(now),
        Job.deadline_at.set(now + timedelta(seconds=timeout_seconds)),
        Job.updated_at.set(now),
    ]


def retry(job: Job, error: str) -> Job:
    """running → queued after a retryable failure; the message stays in the queue."""
    _update(
        job,
        [Job.status.set(JobStatus.QUEUED.value), Job.error.set(error), Job.updated_at.set(utcnow())],
        Job.status == JobStatus.RUNNING.value,
    )
    return job


def finish(job: Job, status: JobStatus, *, result: Any = None, error: str | None = None) -> Job:
    """queued or running → a terminal state; the job leaves the active index and expires later."""
    assert status.is_terminal, status
    actions = [
        Job.status.set(status.value),
        Job.finished_at.set(utcnow()),
        Job.updated_at.set(utcnow()),
        Job.active.remove(),
        Job.expires_at.set(utcnow() + timedelta(seconds=FINISHED_JOB_RETENTION_SECONDS)),
    ]
    if result is not None:
        actions.append(Job.result.set(result))
    if error is not None:
        actions.append(Job.error.set(error[:2000]))
    _update(job, actions, Job.active == ACTIVE)
    return job


def list_active(limit: int = 100) -> list[Job]:
    """Queued and running jobs, least recently updated first (a query on the sparse index)."""
    return list(Job.active_index.query(ACTIVE, limit=limit))


def _update(job: Job, actions: list[Any], condition: Any) -> None:
    try:
        job.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            raise JobStateError(f"job {job.job_id} is {job.status}, not ready for this transition") from exc
        raise


def delete_for_owner(user_id: str) -> int:
    return delete_all(Job, Job.by_owner.query(user_id))
