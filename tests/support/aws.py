"""In-process AWS for unit tests: moto with the product's tables, queue and settings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.client import BaseClient
from moto import mock_aws
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from shared import aws
from shared.constants import JOBS_QUEUE_NAME, JOBS_VISIBILITY_TIMEOUT_SECONDS, Env
from shared.db import delete_all
from shared.models.base import StudioModel, all_models, bind_models, forget_kept
from shared.settings import Settings, get_settings

WS_ENDPOINT = "https://local123.execute-api.us-east-1.amazonaws.com/test"
ACCOUNT_ID = "123456789012"


@contextmanager
def moto_aws(models: Iterable[type[StudioModel]], **env: str) -> Iterator[Settings]:
    """moto with the given tables and the FIFO jobs queue; the settings point at them while it lasts."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
            patch.setenv(name, "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv(Env.REGION, "us-east-1")
        patch.delenv(Env.AWS_ENDPOINT_URL, raising=False)
        patch.setenv(Env.TABLE_PREFIX, "test-")
        patch.setenv(Env.WS_ENDPOINT, WS_ENDPOINT)
        for name, value in env.items():
            patch.setenv(name, value)
        with mock_aws():
            _reconfigure()
            sqs = aws.client("sqs")
            url = sqs.create_queue(
                QueueName=JOBS_QUEUE_NAME,
                Attributes={"FifoQueue": "true", "VisibilityTimeout": str(JOBS_VISIBILITY_TIMEOUT_SECONDS)},
            )["QueueUrl"]
            patch.setenv(Env.JOBS_QUEUE_URL, url)
            settings = _reconfigure()
            for model in models:
                model.create_table(wait=True)
            yield settings
    _reconfigure()


def _reconfigure() -> Settings:
    get_settings.cache_clear()
    aws.reset_clients()
    settings = get_settings()
    bind_models(settings)
    return settings


def posted_events(connection_id: str) -> list[dict[str, Any]]:
    """The events moto's @connections API received for a connection, in order."""
    data = apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections[connection_id].data.decode()
    decoder, events, index = json.JSONDecoder(), [], 0
    while index < len(data):
        event, index = decoder.raw_decode(data, index)
        events.append(event)
    return events


def queued_messages(settings: Settings, *, visibility: int = 0) -> list[dict[str, Any]]:
    """Receive what is in the jobs queue (messages become visible again after `visibility` seconds)."""
    response = aws.client("sqs").receive_message(
        QueueUrl=settings.jobs_queue_url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=visibility,
        MessageSystemAttributeNames=["All"],
    )
    return list(response.get("Messages", []))


def drain_queue(settings: Settings) -> int:
    """Delete every message in the jobs queue (moto allows one PurgeQueue a minute); returns how many."""
    sqs, drained = aws.client("sqs"), 0
    for _ in range(100):
        messages = sqs.receive_message(QueueUrl=settings.jobs_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        for message in messages:
            sqs.delete_message(QueueUrl=settings.jobs_queue_url, ReceiptHandle=message["ReceiptHandle"])
        drained += len(messages)
    return drained


@contextmanager
def aws_calls() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every AWS call that succeeds inside the block, from any thread, as (operation, parameters), in the order they
    returned."""
    returned: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def recorded(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        answer = original(self, operation, params)
        returned.append((operation, params))
        return answer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", recorded)
        yield returned


_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
_STATEMENTS = {"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"}  # PartiQL: any table
EVERY_TABLE = "*"


@contextmanager
def tables_written() -> Iterator[set[str]]:
    """The names of the DynamoDB tables written to inside the block, from any thread and any client (whether the
    write succeeded or not: a failed one may have been applied in part); EVERY_TABLE among them for a PartiQL
    statement, whose tables are not read from it here."""
    written: set[str] = set()
    original = BaseClient._make_api_call

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation in _WRITES:
            written.update(_tables_of(params))
        elif operation in _STATEMENTS:
            written.add(EVERY_TABLE)
        return original(self, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", recording)
        yield written


@contextmanager
def tables_emptied_after() -> Iterator[None]:
    """Delete, after the block, every item of the tables written to inside it (scanning all 40 tables after every
    test took a third of a second; most tests write to a few)."""
    with tables_written() as written:
        yield
    for model in all_models():
        if model.Meta.table_name in written or EVERY_TABLE in written:
            delete_all(model, model.scan())
    forget_kept()  # what a process keeps of items that are gone


def _tables_of(params: dict[str, Any]) -> set[str]:
    if "TableName" in params:
        return {params["TableName"]}
    if "RequestItems" in params:
        return set(params["RequestItems"])
    steps = params.get("TransactItems", [])
    return {action["TableName"] for step in steps for action in step.values() if "TableName" in action}


def table_of(model: type[StudioModel]) -> str:
    """The name the model's table has in these tests."""
    return model.Meta.table_name


def reads_of(calls: Iterable[tuple[str, dict[str, Any]]], model: type[StudioModel]) -> int:
    """How many of the calls read one item of the model's table."""
    return sum(1 for operation, params in calls if operation == "GetItem" and params["TableName"] == table_of(model))
