"""Local-mode recovery: jobs left queued or running by a stopped stack get a fresh message.

Only the local stack calls this, before its single runner starts: then no runner can be holding these
jobs. A job whose message still exists gets a second one, which is harmless: the first delivery finishes
the job and the second finds it terminal and is dropped. A job that was running is reclaimed by the
runner, or marked failed when it has no attempts left ("re-queued or marked failed", never dropped).
"""

from __future__ import annotations

import time

from shared import aws
from shared.jobs import store
from shared.jobs.queue import message_body
from shared.logs import logger
from shared.settings import Settings


def requeue_unfinished(settings: Settings) -> int:
    sqs = aws.client("sqs")
    stamp = int(time.time())
    count = 0
    for job in store.list_active(limit=10_000):
        sqs.send_message(
            QueueUrl=settings.jobs_queue_url,
            MessageBody=message_body(job),
            MessageGroupId=job.group_id,
            MessageDeduplicationId=f"{job.job_id}:recovered:{stamp}",
        )
        count += 1
    if count:
        logger.info("requeued unfinished jobs after a restart", extra={"count": count})
    return count
