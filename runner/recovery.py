"""Local-mode recovery: jobs left queued or running by a stopped runner get a fresh message.

Only the local stack calls this, when its single runner (re)starts: then no runner can be holding these
jobs. A job whose message still exists gets a second one, which is harmless: the first delivery finishes
the job and the second finds it terminal and is dropped. A job that was running is reclaimed by the
runner, or marked failed when it has no attempts left ("re-queued or marked failed", never dropped).
"""

from __future__ import annotations

import time

from shared.jobs import store
from shared.jobs.queue import send_again
from shared.logs import logger


def requeue_unfinished() -> int:
    stamp = int(time.time())
    count = 0
    for job in store.list_active(limit=10_000):
        # A running job's own group may stay blocked until the dead runner's message times out: it gets one of its own.
        send_again(job, reason="recovered", stamp=stamp)
        count += 1
    if count:
        logger.info("requeued unfinished jobs after a restart", extra={"count": count})
    return count
