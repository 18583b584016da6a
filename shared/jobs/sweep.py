"""Jobs no runner will finish get a fresh message, so that a runner closes them (the tick, once a minute).

A job is stuck when it is

    running  past its deadline by SWEEP_GRACE: a live runner ends every job by its deadline (runner/worker.py), so
             the runner that had it is gone, and so is its message (received JOBS_MAX_RECEIVE_COUNT times, it
             went to the dead-letter queue)
    queued   for QUEUED_AT_MOST without a runner starting it: its message was lost (an API stopped between the
             record and the message, a message dead-lettered before its job started)

Its new message goes to the shared queue (shared.jobs.queue.send_again), where a runner decides as for any
redelivery: a running job is reclaimed or, with no attempts left, marked failed, and what it was for is closed
(the handler's `on_interrupted`: a chat turn ends failed and tells the person). A queued job runs.

A new message never runs a job twice: a queued job's goes into its own group, behind the message it stands
for if that one still exists (the first delivery finishes the job, the second finds it terminal and is
dropped), and a runner drops a message of a job that another live runner is running. A running job's goes into
a group of its own, so that nothing waits behind it. Each job is claimed first, by a conditional write of its
`updated_at` (two ticks at once send one message), and is sent again at most every SWEEP_GRACE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from shared.db import condition_failed
from shared.jobs.queue import send_again
from shared.logs import logger
from shared.models.jobs import ACTIVE, Job, JobStatus

SWEEP_GRACE = timedelta(minutes=10)
# Longer than a turn waits for the turn before it (runner/jobs/chat.py) and than a retry's backoff: a queued job
# sent again too early is harmless (above), only wasted.
QUEUED_AT_MOST = timedelta(hours=1)
SWEEP_LIMIT = 100  # a tick sends at most this many; the next tick takes the rest
READ_LIMIT = 1000  # and reads at most this many of the oldest: a tick stays short whatever waits


@dataclass(frozen=True)
class Swept:
    job_id: str
    job_type: str
    status: str


def sweep_stuck(now: datetime, *, limit: int = SWEEP_LIMIT) -> list[Swept]:
    """Send a fresh message for each stuck job (least recently updated first); returns those sent."""
    swept: list[Swept] = []
    # The sparse index holds only queued and running jobs, oldest update first: the query stops at the first
    # job updated within the grace, which no rule below could call stuck.
    for job in Job.active_index.query(ACTIVE, Job.updated_at < now - SWEEP_GRACE, limit=READ_LIMIT):
        if len(swept) >= limit:
            break
        if not _stuck(job, now) or not _claim(job, now):
            continue
        try:
            send_again(job, reason="swept", stamp=int(now.timestamp()))
        except Exception:
            logger.exception("could not send a stuck job again", extra={"job_id": job.job_id})
            continue
        logger.warning(
            "a stuck job was sent again",
            extra={"job_id": job.job_id, "job_type": job.job_type, "status": job.status, "updated_at": job.updated_at},
        )
        swept.append(Swept(job.job_id, job.job_type, job.status))
    return swept


def _stuck(job: Job, now: datetime) -> bool:
    if job.status == JobStatus.RUNNING.value:
        return job.deadline_at is not None and job.deadline_at + SWEEP_GRACE < now
    return job.status == JobStatus.QUEUED.value and job.updated_at + QUEUED_AT_MOST < now


def _claim(job: Job, now: datetime) -> bool:
    """Move the job's `updated_at` on, if no one changed the job since it was read; False: someone did.

    Below the model's update, which would move the version on: a runner holding the job must still be able to
    finish it."""
    try:
        Job._get_connection().update_item(
            job.job_id,
            actions=[Job.updated_at.set(now)],
            condition=(Job.status == job.status) & (Job.updated_at == job.updated_at),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
