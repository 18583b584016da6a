"""Create the local equivalents of the CDK stack's resources, idempotently (tables, bucket, queues, key)."""

from __future__ import annotations

import json

from shared import aws
from shared.constants import JOBS_DLQ_NAME, JOBS_MAX_RECEIVE_COUNT, JOBS_QUEUE_NAME, JOBS_VISIBILITY_TIMEOUT_SECONDS
from shared.models import all_models
from shared.settings import Settings

KMS_ALIAS = "alias/studio"


def ensure_tables() -> list[str]:
    created = []
    for model in all_models():
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def ensure_bucket(settings: Settings) -> None:
    s3 = aws.client("s3")
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if settings.workspace_bucket not in existing:
        s3.create_bucket(Bucket=settings.workspace_bucket)


def ensure_queues() -> str:
    """The FIFO jobs queue and its DLQ, configured like the cloud's; returns the jobs queue URL."""
    sqs = aws.client("sqs")
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    dlq_url = sqs.create_queue(QueueName=JOBS_DLQ_NAME, Attributes=fifo)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": JOBS_MAX_RECEIVE_COUNT})
    attributes = {**fifo, "VisibilityTimeout": str(JOBS_VISIBILITY_TIMEOUT_SECONDS), "RedrivePolicy": redrive}
    try:
        return str(sqs.create_queue(QueueName=JOBS_QUEUE_NAME, Attributes=attributes)["QueueUrl"])
    except sqs.exceptions.QueueNameExists:
        url = str(sqs.get_queue_url(QueueName=JOBS_QUEUE_NAME)["QueueUrl"])
        sqs.set_queue_attributes(QueueUrl=url, Attributes={k: v for k, v in attributes.items() if k != "FifoQueue"})
        return url


def ensure_key() -> str:
    """A symmetric KMS key for envelope encryption, reachable by a stable alias."""
    kms = aws.client("kms")
    aliases = {alias["AliasName"] for alias in kms.list_aliases().get("Aliases", [])}
    if KMS_ALIAS not in aliases:
        key_id = kms.create_key(Description="Sasha Studio local secrets")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key_id)
    return KMS_ALIAS


def ensure_resources(settings: Settings) -> dict[str, str]:
    """Everything the product needs in the local AWS; returns the values the settings need from it."""
    ensure_tables()
    ensure_bucket(settings)
    return {"jobs_queue_url": ensure_queues(), "kms_key_id": ensure_key()}
