"""Local-mode recovery: jobs left queued or running by a stopped runner get a fresh message.

Only the local stack calls this, when its single runner (re)starts: then no runner can be holding these
jobs. A job whose message still exists gets a second one, which is harmless: the first delivery finishes
the job and the second finds it terminal and is dropped. A job that was running is reclaimed by the
runner, or marked failed when it has no attempts left ("re-queued or marked failed", never dropped).
"""

from __future__ import annotations

import time

from shared import aws
from shared.jobs import JobStatus, store
from shared.jobs.queue import message_body
from shared.logs import logger
from shared.settings import Settings


def requeue_unfinished(settings: Settings) -> int:
    sqs = aws.client("sqs")
    stamp = int(time.time())
    count = 0
    for job in store.list_active(limit=10_000):
        # A queued job keeps its group, so it still runs in order. A running one is only to be closed as
        # interrupted: its own group may stay blocked until the dead runner's message times out.
        group = job.group_id if job.status == JobStatus.QUEUED else f"recovered-{job.job_id}"
        sqs.send_message(
            QueueUrl=settings.jobs_queue_url,
            MessageBody=message_body(job),
            MessageGroupId=group,
            MessageDeduplicationId=f"{job.job_id}:recovered:{stamp}",
        )
        count += 1
    if count:
        logger.info("requeued unfinished jobs after a restart", extra={"count": count})
    return count
