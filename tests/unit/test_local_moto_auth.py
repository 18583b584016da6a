"""The local AWS endpoint answers only the stack's signed requests (PersistentMoto in front of moto's server app).

The middleware and moto's own server app are served on a loopback port, as `python -m local.moto_server` serves
them, and driven by real boto3 clients (signing with the stack's key pair or a made-up one) and plain HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from local.moto_server import PersistentMoto
from local.persistence import Persistence

KEY, SECRET = "AKIALOCALSTACKTEST00", "0123456789abcdefghij0123456789abcdefghij"
TABLE, BUCKET = "auth-test-table", "auth-test-bucket"
SPA = "http://127.0.0.1:8080"
ITEM = {"id": {"S": "kept"}}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from moto.moto_api._internal.models import moto_api_backend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    persistence = Persistence(Path(tmp_path_factory.mktemp("aws")))
    app = PersistentMoto(DomainDispatcherApplication(create_backend_app), persistence, credentials={KEY: SECRET})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.port}"
    try:
        dynamodb, s3 = client(url, "dynamodb"), client(url, "s3")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName=TABLE, Item=ITEM)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="notes/kept.md", Body=b"kept")
        s3.put_bucket_cors(
            Bucket=BUCKET,
            CORSConfiguration={"CORSRules": [{"AllowedOrigins": [SPA], "AllowedMethods": ["GET", "POST"]}]},
        )
        yield url
    finally:
        server.shutdown()
        thread.join()
        moto_api_backend.reset()  # moto's server app keeps its state in the process-wide backends


def client(url: str, service: str, *, key: str = KEY, secret: str = SECRET) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=None,
        config=Config(retries={"max_attempts": 1}, signature_version="s3v4" if service == "s3" else None),
    )


def unchanged(url: str) -> bool:
    """The table, its item and the object are as the fixture made them (read with the stack's key pair)."""
    item = client(url, "dynamodb").get_item(TableName=TABLE, Key=ITEM).get("Item")
    body = client(url, "s3").get_object(Bucket=BUCKET, Key="notes/kept.md")["Body"].read()
    return item == ITEM and body == b"kept"


def refused(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as error:
        call()
    return dict(error.value.response)


def test_the_stacks_signed_requests_reach_moto(endpoint: str) -> None:
    s3 = client(endpoint, "s3")

    s3.put_object(Bucket=BUCKET, Key="notes/new.md", Body=b"new")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "notes/new.md"})

    assert client(endpoint, "dynamodb").describe_table(TableName=TABLE)["Table"]["TableName"] == TABLE
    assert requests.get(url, timeout=10).content == b"new"  # what a browser download does
    assert unchanged(endpoint)


def test_object_reads_tell_the_browser_not_to_sniff(endpoint: str) -> None:
    # Given an object stored as HTML
    s3 = client(endpoint, "s3")
    s3.put_object(Bucket=BUCKET, Key="notes/page.html", Body=b"<script>alert(1)</script>", ContentType="text/html")
    params = {"Bucket": BUCKET, "Key": "notes/page.html"}
    # When a browser reads it through a presigned URL, or boto3 asks for its head
    got = requests.get(s3.generate_presigned_url("get_object", Params=params), timeout=10)
    head = s3.head_object(**params)
    # Then both answers say nosniff; a listing of the bucket is not an object and does not
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-content-type-options"] == "nosniff"
    listing = s3.list_objects_v2(Bucket=BUCKET)
    assert "x-content-type-options" not in listing["ResponseMetadata"]["HTTPHeaders"]
    s3.delete_object(**params)


def test_unsigned_requests_are_refused_in_the_services_own_shape(endpoint: str) -> None:
    delete_table = requests.post(
        endpoint,
        json={"TableName": TABLE},
        headers={"X-Amz-Target": "DynamoDB_20120810.DeleteTable", "Content-Type": "application/x-amz-json-1.0"},
        timeout=10,
    )
    put_object = requests.put(f"{endpoint}/{BUCKET}/notes/kept.md", data=b"overwritten", timeout=10)

    assert delete_table.status_code == 403
    assert delete_table.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert delete_table.json()["__type"] == "MissingAuthenticationTokenException"
    assert put_object.status_code == 403
    assert b"<Code>AccessDenied</Code>" in put_object.content
    assert unchanged(endpoint)


def test_a_made_up_key_pair_or_a_wrong_secret_is_refused(endpoint: str) -> None:
    stranger = {"key": "AKIAMADEUPMADEUP0000", "secret": "made-up-secret"}

    unknown_delete = refused(lambda: client(endpoint, "dynamodb", **stranger).delete_table(TableName=TABLE))
    unknown_put = refused(
        lambda: client(endpoint, "s3", **stranger).put_object(Bucket=BUCKET, Key="notes/kept.md", Body=b"x")
    )
    wrong_secret = refused(
        lambda: client(endpoint, "dynamodb", secret="not-the-secret").delete_item(TableName=TABLE, Key=ITEM)
    )

    assert unknown_delete["Error"]["Code"] == "UnrecognizedClientException"
    assert unknown_delete["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert unknown_put["Error"]["Code"] == "InvalidAccessKeyId"
    assert wrong_secret["Error"]["Code"] == "InvalidSignatureException"
    assert unchanged(endpoint)


def test_motos_management_api_is_refused_even_when_signed(endpoint: str) -> None:
    signed = AWSRequest(method="POST", url=f"{endpoint}/moto-api/reset", data=b"")
    SigV4Auth(Credentials(KEY, SECRET), "s3", "us-east-1").add_auth(signed)

    dump = requests.get(f"{endpoint}/moto-api/data.json", timeout=10)
    reset = requests.post(signed.url, headers=dict(signed.headers.items()), timeout=10)

    assert dump.status_code == 403
    assert reset.status_code == 403
    assert unchanged(endpoint)


def test_the_snapshot_status_and_cors_preflights_need_no_signature(endpoint: str) -> None:
    def preflight(origin: str) -> requests.Response:
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        return requests.options(f"{endpoint}/{BUCKET}", headers=headers, timeout=10)

    status = requests.get(f"{endpoint}/_studio/persistence", timeout=10)
    allowed, other = preflight(SPA), preflight("http://evil.example")

    assert status.status_code == 200
    assert "generation" in status.json()
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == SPA
    assert other.status_code == 403
    assert b"<Code>AccessForbidden</Code>" in other.content  # the bucket's CORS rules answered, not the signature


def test_a_browser_upload_is_checked_against_its_own_signed_policy(endpoint: str) -> None:
    def upload(key: str, secret: str) -> requests.Response:
        post = client(endpoint, "s3", secret=secret).generate_presigned_post(BUCKET, key, ExpiresIn=60)
        return requests.post(post["url"], data=post["fields"], files={"file": ("a.txt", b"uploaded")}, timeout=10)

    stored = upload("uploads/a.txt", SECRET)
    forged = upload("uploads/b.txt", "not-the-secret")

    assert stored.status_code == 204
    assert forged.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in forged.content
