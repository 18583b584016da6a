"""The runner's own queue: turns of the chat sessions it keeps warm come here instead of the shared queue.

    open    create `<jobs queue>-r-<runner id>.fifo` (encrypted, the shared queue's visibility timeout) and
            lease it (shared.jobs.routing: renewed every 5 s)
    every   renew the lease; empty the queues of runners whose lease ran out into the shared queue, then delete them
    close   forget the lease, move what is left to the shared queue, delete the queue

How a queue is emptied: shared.jobs.routing.empty_runner_queue (the tick does it too).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from shared.jobs import routing
from shared.logs import logger

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def own_queue_name(shared_url: str, runner_id: str) -> str:
    """`<shared queue name without .fifo>-r-<runner id>.fifo` (routing.runner_queue_prefix), within 80 characters."""
    prefix = routing.runner_queue_prefix(shared_url.rsplit("/", 1)[-1])
    return f"{prefix}{_UNSAFE.sub('-', runner_id)[-(80 - len('.fifo') - len(prefix)) :]}.fifo"


class OwnQueue:
    def __init__(self, sqs: Any, shared_url: str, runner_id: str) -> None:
        self.sqs, self.shared_url, self.runner_id = sqs, shared_url, runner_id
        self.url: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="own-queue", daemon=True)

    def open(self) -> str:
        visibility = self.sqs.get_queue_attributes(QueueUrl=self.shared_url, AttributeNames=["VisibilityTimeout"])
        attributes = {
            "FifoQueue": "true",
            "VisibilityTimeout": visibility["Attributes"]["VisibilityTimeout"],
            "MessageRetentionPeriod": str(24 * 60 * 60),
            "SqsManagedSseEnabled": "true",
        }
        name = own_queue_name(self.shared_url, self.runner_id)
        self.url = str(self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
        routing.register_runner(self.runner_id, self.url)
        self._thread.start()
        logger.info("own queue ready", extra={"queue": self.url})
        return self.url

    def close(self) -> None:
        """Stop taking turns: the lease goes, waiting turns go to the shared queue, the queue goes."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self.url is None:
            return
        try:
            routing.forget_runner(self.runner_id)
        except Exception:
            logger.exception("could not forget the runner's lease; it runs out by itself")
        self.empty()

    def _loop(self) -> None:
        while not self._stop.wait(routing.RUNNER_RENEW_SECONDS):
            try:
                assert self.url is not None
                routing.register_runner(self.runner_id, self.url)
                routing.empty_gone_runners(except_runner=self.runner_id)
            except Exception:
                logger.exception("could not renew the runner's lease or empty a gone runner's queue")

    def empty(self) -> None:
        """Move what waits in this runner's queue to the shared queue, and delete it."""
        assert self.url is not None
        routing.empty_runner_queue(self.url, self.runner_id, forget=False)
