"""Upload ingestion: S3 object-created events under `uploads/` invoke the ingest function.

S3 invokes it asynchronously: Lambda tries an event three times in all, then sends it to the ingest
dead-letter queue, whose alarm says that an upload was left unprocessed (its record stays pending and
reads as expired; the object stays under `uploads/` for an operator to replay).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.function import FunctionDefaults, StudioFunction
from infra.constructs.storage import WorkspaceBucket
from infra.nag import acknowledge

INGEST_HANDLER = "functions.ingest.handler.handler"
INGEST_RETRY_ATTEMPTS = 2


class Ingest(Construct):
    """Size check, move into the project and document conversion of files the browser posted straight to S3."""

    def __init__(
        self, scope: Construct, construct_id: str, *, defaults: FunctionDefaults, workspace: WorkspaceBucket
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            {
                "AwsSolutions-SQS3": (
                    "This queue is the ingest function's on-failure destination, i.e. itself a dead-letter queue; "
                    "an alarm watches it."
                )
            },
        )
        self.ingest: StudioFunction = defaults.function(
            self,
            "Ingest",
            handler=INGEST_HANDLER,
            description="Sasha Studio upload ingestion (size check, move, document conversion)",
            memory_mib=1024,
            timeout=cdk.Duration.minutes(2),
        )
        self.ingest.function.configure_async_invoke(
            retry_attempts=INGEST_RETRY_ATTEMPTS,
            max_event_age=cdk.Duration.hours(1),
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
        )
        workspace.notify_uploads(self.ingest.function)
