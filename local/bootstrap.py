"""Create the local equivalents of the CDK stack's resources, idempotently (tables, bucket, queues, key).

On every start the bucket's CORS rules and upload notification are put again: a put replaces the previous
configuration, so a restart on an existing data folder converges to the same settings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from shared import aws
from shared.constants import (
    JOBS_DLQ_NAME,
    JOBS_MAX_RECEIVE_COUNT,
    JOBS_QUEUE_NAME,
    JOBS_VISIBILITY_TIMEOUT_SECONDS,
    LOCAL_UPLOAD_EVENTS_DLQ_NAME,
    LOCAL_UPLOAD_EVENTS_MAX_RECEIVE_COUNT,
    LOCAL_UPLOAD_EVENTS_QUEUE_NAME,
    LOCAL_UPLOAD_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
    UPLOADS_PREFIX,
)
from shared.models.base import all_models
from shared.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CORSRuleTypeDef
    from mypy_boto3_sqs.literals import QueueAttributeNameType

KMS_ALIAS = "alias/studio"
# The browser posts files straight to the bucket (presigned POST) and may fetch presigned downloads.
CORS_METHODS = ["GET", "POST", "PUT", "HEAD"]
CORS_MAX_AGE_SECONDS = 3000


def ensure_tables() -> list[str]:
    """Create missing tables, and the indexes a newer model declared on a table an older data folder holds.

    One listing says which exist (rather than a DescribeTable per table), and a table is not waited for: moto
    makes it ACTIVE at once. A stack starts once per test module, so its ~40 tables are worth a second here.
    """
    models = all_models()
    dynamodb = models[0]._get_connection().connection.client  # the tables' botocore client (endpoint, keys)
    pages = dynamodb.get_paginator("list_tables").paginate()
    existing = {name for page in pages for name in page.get("TableNames", [])}
    created = []
    for model in models:
        if model.Meta.table_name not in existing:
            model.create_table(wait=False)
            created.append(model.Meta.table_name)
        else:
            _add_missing_indexes(model)
    return created


def _add_missing_indexes(model: Any) -> None:
    dynamodb = model._get_connection().connection.client  # the table's own botocore client (endpoint, keys)
    table = dynamodb.describe_table(TableName=model.Meta.table_name)["Table"]
    existing = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    schema = model._get_schema()
    for index in schema["global_secondary_indexes"]:
        if index["index_name"] in existing:
            continue
        dynamodb.update_table(
            TableName=model.Meta.table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": index["index_name"],
                        "KeySchema": index["key_schema"],
                        "Projection": index["projection"],
                    }
                }
            ],
        )


def ensure_bucket(settings: Settings) -> None:
    s3 = aws.client("s3")
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if settings.workspace_bucket not in existing:
        s3.create_bucket(Bucket=settings.workspace_bucket)


def ensure_queues() -> str:
    """The FIFO jobs queue and its DLQ, configured like the cloud's; returns the jobs queue URL."""
    return _queue_with_dlq(
        JOBS_QUEUE_NAME,
        JOBS_DLQ_NAME,
        attributes={
            "FifoQueue": "true",
            "ContentBasedDeduplication": "false",
            "VisibilityTimeout": str(JOBS_VISIBILITY_TIMEOUT_SECONDS),
        },
        max_receive_count=JOBS_MAX_RECEIVE_COUNT,
    )


def ensure_upload_events(settings: Settings) -> str:
    """Object-created events under uploads/ → a standard queue the stack feeds to the ingest function.

    In the cloud S3 invokes the function asynchronously (three attempts); here the queue's redrive after
    three receives stands in for that. Returns the queue URL.
    """
    url = _queue_with_dlq(
        LOCAL_UPLOAD_EVENTS_QUEUE_NAME,
        LOCAL_UPLOAD_EVENTS_DLQ_NAME,
        attributes={"VisibilityTimeout": str(LOCAL_UPLOAD_EVENTS_VISIBILITY_TIMEOUT_SECONDS)},
        max_receive_count=LOCAL_UPLOAD_EVENTS_MAX_RECEIVE_COUNT,
    )
    queue_arn = _queue_arn(aws.client("sqs"), url)
    aws.client("s3").put_bucket_notification_configuration(
        Bucket=settings.workspace_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "ingest-uploads",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOADS_PREFIX}]}},
                }
            ]
        },
    )
    return url


def spa_origins(settings: Settings) -> list[str]:
    """The origins the SPA is served from: the public URL, and the gateway by either loopback name."""
    origins = [settings.public_url, f"http://127.0.0.1:{settings.port}", f"http://localhost:{settings.port}"]
    return list(dict.fromkeys(origin.rstrip("/") for origin in origins))


def ensure_cors(settings: Settings) -> None:
    """CORS for the SPA's origins only, like the cloud bucket's rule for the SPA's domain."""
    rule: CORSRuleTypeDef = {
        "AllowedOrigins": spa_origins(settings),
        "AllowedMethods": CORS_METHODS,
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": CORS_MAX_AGE_SECONDS,
    }
    aws.client("s3").put_bucket_cors(Bucket=settings.workspace_bucket, CORSConfiguration={"CORSRules": [rule]})


def _queue_with_dlq(
    name: str, dlq_name: str, *, attributes: dict[QueueAttributeNameType, str], max_receive_count: int
) -> str:
    """Create (or bring up to date) a queue whose messages go to its DLQ after `max_receive_count` receives."""
    sqs = aws.client("sqs")
    fifo: dict[QueueAttributeNameType, str] = {
        key: value for key, value in attributes.items() if key in ("FifoQueue", "ContentBasedDeduplication")
    }
    dlq_arn = _queue_arn(sqs, sqs.create_queue(QueueName=dlq_name, Attributes=fifo)["QueueUrl"])
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
    attributes = {**attributes, "RedrivePolicy": redrive}
    try:
        return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    except sqs.exceptions.QueueNameExists:
        url = str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
        sqs.set_queue_attributes(QueueUrl=url, Attributes={k: v for k, v in attributes.items() if k != "FifoQueue"})
        return url


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


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
    ensure_cors(settings)
    return {
        "jobs_queue_url": ensure_queues(),
        "kms_key_id": ensure_key(),
        "upload_events_queue_url": ensure_upload_events(settings),
    }
