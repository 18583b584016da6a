"""Keeps the messages of running jobs invisible: one thread extends them all, in batches."""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.constants import JOBS_VISIBILITY_TIMEOUT_SECONDS
from shared.logs import logger

# Extend well before the visibility timeout runs out, so a slow API call never lets a message reappear.
EXTEND_EVERY_SECONDS = JOBS_VISIBILITY_TIMEOUT_SECONDS / 3
SQS_BATCH_LIMIT = 10


class VisibilityHeartbeat:
    def __init__(self, sqs: Any, queue_url: str, *, interval: float = EXTEND_EVERY_SECONDS) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._interval = interval
        self._receipts: dict[str, str] = {}  # message id → receipt handle
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="visibility-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def track(self, message_id: str, receipt_handle: str) -> None:
        with self._lock:
            self._receipts[message_id] = receipt_handle

    def untrack(self, message_id: str) -> None:
        with self._lock:
            self._receipts.pop(message_id, None)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.extend_all()

    def extend_all(self) -> None:
        with self._lock:
            receipts = list(self._receipts.items())
        for start in range(0, len(receipts), SQS_BATCH_LIMIT):
            entries = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": JOBS_VISIBILITY_TIMEOUT_SECONDS}
                for index, (_, handle) in enumerate(receipts[start : start + SQS_BATCH_LIMIT])
            ]
            try:
                response = self._sqs.change_message_visibility_batch(QueueUrl=self._queue_url, Entries=entries)
            except (BotoCoreError, ClientError):
                logger.exception("could not extend message visibility")
                continue
            for failure in response.get("Failed", []):
                logger.warning("visibility extension refused", extra={"failure": failure})
