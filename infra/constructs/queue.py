"""The FIFO jobs queue (per-session ordering through message groups) and its FIFO dead-letter queue."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from shared.constants import JOBS_DLQ_NAME, JOBS_MAX_RECEIVE_COUNT, JOBS_QUEUE_NAME, JOBS_VISIBILITY_TIMEOUT_SECONDS


class JobsQueue(Construct):
    """SSE, SSL-only FIFO queues; a message received `JOBS_MAX_RECEIVE_COUNT` times moves to the DLQ."""

    def __init__(self, scope: Construct, construct_id: str, *, name_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=f"{name_prefix}{JOBS_DLQ_NAME}",
            fifo=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=f"{name_prefix}{JOBS_QUEUE_NAME}",
            fifo=True,
            # Senders pass an explicit deduplication id (the job id); content-based dedup would merge retries.
            content_based_deduplication=False,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # The runner extends visibility while a job runs; this is only the first lease.
            visibility_timeout=cdk.Duration.seconds(JOBS_VISIBILITY_TIMEOUT_SECONDS),
            retention_period=cdk.Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=JOBS_MAX_RECEIVE_COUNT
            ),
        )
