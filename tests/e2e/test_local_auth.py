"""The running local stack lets no other local user's process read or change its data.

A chat's commands run as another uid on the same machine and can reach every loopback port: the local AWS
endpoint must take only the stack's own signature, moto's management API none, `@connections` only the stack's
signature, and the mailbox (password-reset links) only its token; the data folder is its user's alone.
"""

from __future__ import annotations

import re
import stat
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from shared.settings import Settings
from tests.support.stack import LocalStack

BUCKET = Settings().workspace_bucket
STRANGERS = {
    "made-up": {"aws_access_key_id": "AKIAMADEUPMADEUP0000", "aws_secret_access_key": "made-up-secret-key"},
    "the old fixed pair": {"aws_access_key_id": "local", "aws_secret_access_key": "local"},
}


def stranger(stack: LocalStack, service: str, credentials: dict[str, str], endpoint: str | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint or stack.aws_endpoint,
        region_name="us-east-1",
        aws_session_token=None,
        config=Config(retries={"max_attempts": 1}),
        **credentials,
    )


def refused(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as error:
        call()
    return error.value.response["Error"]["Code"], error.value.response["ResponseMetadata"]["HTTPStatusCode"]


def stored(stack: LocalStack, key: str) -> bool:
    try:
        stack.client("s3").head_object(Bucket=BUCKET, Key=key)
    except ClientError:
        return False
    return True


def test_the_stack_signs_with_a_generated_key_pair(local_stack: LocalStack) -> None:
    credentials = local_stack.credentials()

    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", credentials["aws_access_key_id"])
    assert len(credentials["aws_secret_access_key"]) == 40
    assert local_stack.client("dynamodb").list_tables()["TableNames"]


@pytest.mark.parametrize("credentials", STRANGERS.values(), ids=STRANGERS.keys())
def test_another_key_pair_can_neither_read_nor_change_the_data(
    local_stack: LocalStack, credentials: dict[str, str]
) -> None:
    dynamodb, s3 = local_stack.client("dynamodb"), local_stack.client("s3")
    tables = dynamodb.list_tables()["TableNames"]
    key = f"projects/{uuid.uuid4().hex}/files/planted.md"
    their_dynamodb, their_s3 = stranger(local_stack, "dynamodb", credentials), stranger(local_stack, "s3", credentials)

    listed = refused(their_dynamodb.list_tables)
    deleted = refused(lambda: their_dynamodb.delete_table(TableName=tables[0]))
    put = refused(lambda: their_dynamodb.put_item(TableName=tables[0], Item={"planted": {"S": "x"}}))
    planted = refused(lambda: their_s3.put_object(Bucket=BUCKET, Key=key, Body=b"planted"))

    assert {listed, deleted, put} == {("UnrecognizedClientException", 403)}
    assert planted == ("InvalidAccessKeyId", 403)
    assert dynamodb.list_tables()["TableNames"] == tables
    assert not stored(local_stack, key)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=key)["KeyCount"] == 0


def test_an_unsigned_request_is_refused_and_changes_nothing(local_stack: LocalStack) -> None:
    tables = local_stack.client("dynamodb").list_tables()["TableNames"]
    key = f"projects/{uuid.uuid4().hex}/files/planted.md"

    delete_table = requests.post(
        local_stack.aws_endpoint,
        json={"TableName": tables[0]},
        headers={"X-Amz-Target": "DynamoDB_20120810.DeleteTable", "Content-Type": "application/x-amz-json-1.0"},
        timeout=10,
    )
    put_object = requests.put(f"{local_stack.aws_endpoint}/{BUCKET}/{key}", data=b"planted", timeout=10)
    list_objects = requests.get(f"{local_stack.aws_endpoint}/{BUCKET}?list-type=2", timeout=10)

    assert delete_table.status_code == 403
    assert delete_table.json()["__type"] == "MissingAuthenticationTokenException"
    assert put_object.status_code == list_objects.status_code == 403
    assert b"<Code>AccessDenied</Code>" in list_objects.content
    assert local_stack.client("dynamodb").list_tables()["TableNames"] == tables
    assert not stored(local_stack, key)


def test_motos_management_api_is_refused(local_stack: LocalStack) -> None:
    tables = local_stack.client("dynamodb").list_tables()["TableNames"]

    reset = requests.post(f"{local_stack.aws_endpoint}/moto-api/reset", timeout=10)
    dump = requests.get(f"{local_stack.aws_endpoint}/moto-api/data.json", timeout=10)

    assert reset.status_code == dump.status_code == 403
    assert local_stack.client("dynamodb").list_tables()["TableNames"] == tables


def test_connections_take_only_the_stacks_signature(local_stack: LocalStack) -> None:
    connection = "PzD4xc0voAMCI9g="  # no such connection: an accepted call meets 410 Gone
    ours = stranger(local_stack, "apigatewaymanagementapi", local_stack.credentials(), local_stack.base_url)
    theirs = stranger(local_stack, "apigatewaymanagementapi", STRANGERS["made-up"], local_stack.base_url)

    unsigned = requests.post(f"{local_stack.base_url}/@connections/{connection}", data=b"{}", timeout=10)
    forged = refused(lambda: theirs.post_to_connection(ConnectionId=connection, Data=b'{"type": "forged"}'))
    accepted = refused(lambda: ours.post_to_connection(ConnectionId=connection, Data=b'{"type": "hello"}'))

    assert unsigned.status_code == 403
    assert forged == ("UnrecognizedClientException", 403)
    assert accepted == ("GoneException", 410)


def test_the_mailbox_needs_the_data_folders_token(local_stack: LocalStack) -> None:
    anonymous = requests.get(f"{local_stack.base_url}/_local/mail", timeout=10)
    reader = requests.get(f"{local_stack.base_url}/_local/mail", headers=local_stack.mail_headers(), timeout=10)

    assert anonymous.status_code == 403
    assert anonymous.json()["error"]["code"] == "forbidden"
    assert reader.status_code == 200
    assert "messages" in reader.json()


def test_the_data_folder_is_its_users_alone(local_stack: LocalStack) -> None:
    data = local_stack.data_dir

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(data) == mode(data / "logs") == 0o700
    for name in ("secrets.json", "stack.json", "stack.lock", "logs/aws.log", "logs/runner.log"):
        assert mode(data / name) == 0o600, name
