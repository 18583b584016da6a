"""Presigned POST uploads against the running local stack: S3's policy checks, CORS, and upload events → ingest."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from shared.settings import Settings
from tests.support.stack import LocalStack, wait_until

WAIT = 15  # seconds any single event may take on a loaded CI machine
LIMIT = 1_000_000
BUCKET = Settings().workspace_bucket
# boto3 signs a presigned POST with SigV2 in us-east-1 unless told otherwise; S3 (and the local stack) take both.
SIGNATURES = {"sigv4": Config(signature_version="s3v4"), "default": None}


def s3_client(stack: LocalStack, signature: str = "default") -> Any:
    return stack.client("s3", config=SIGNATURES[signature])


def upload_key(project_id: str, name: str) -> str:
    return f"uploads/{project_id}/{uuid.uuid4().hex}/{name}"


def post_file(stack: LocalStack, key: str, content: bytes, *, signature: str = "default") -> requests.Response:
    """What the SPA does: a presigned POST like the upload route's, posted from the SPA's origin."""
    post = s3_client(stack, signature).generate_presigned_post(
        BUCKET,
        key,
        Fields={"Content-Type": "text/plain"},
        Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 0, LIMIT]],
        ExpiresIn=300,
    )
    return requests.post(
        post["url"],
        data=post["fields"],
        files={"file": (key.rpartition("/")[2], content, "text/plain")},
        headers={"Origin": stack.base_url},
        timeout=60,
    )


def head(stack: LocalStack, key: str) -> dict[str, Any] | None:
    try:
        return dict(s3_client(stack).head_object(Bucket=BUCKET, Key=key))
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return None
        raise


def preflight(stack: LocalStack, origin: str) -> requests.Response:
    return requests.options(
        f"{stack.aws_endpoint}/{BUCKET}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )


@pytest.mark.parametrize("signature", SIGNATURES)
def test_a_post_within_the_limit_is_stored_and_ingested_into_the_project(
    local_stack: LocalStack, signature: str
) -> None:
    project_id = uuid.uuid4().hex
    key = upload_key(project_id, "notes.txt")

    response = post_file(local_stack, key, b"n" * LIMIT, signature=signature)

    assert response.status_code == 204, response.text
    assert response.headers["Access-Control-Allow-Origin"] == local_stack.base_url
    assert response.headers["Access-Control-Expose-Headers"] == "ETag"
    stored = wait_until(
        lambda: head(local_stack, f"projects/{project_id}/files/notes.txt"), timeout=WAIT, what="the ingested file"
    )
    assert stored["ContentLength"] == LIMIT
    wait_until(lambda: head(local_stack, key) is None, timeout=WAIT, what="the upload object to be moved")


def test_a_post_one_byte_over_the_limit_is_refused_like_s3_and_nothing_is_stored(local_stack: LocalStack) -> None:
    project_id = uuid.uuid4().hex
    key = upload_key(project_id, "notes.txt")

    response = post_file(local_stack, key, b"n" * (LIMIT + 1))

    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == local_stack.base_url  # the SPA can read the reason
    error = {child.tag: child.text for child in ElementTree.fromstring(response.content)}
    assert error["Code"] == "EntityTooLarge"
    assert (error["ProposedSize"], error["MaxSizeAllowed"]) == (str(LIMIT + 1), str(LIMIT))
    assert head(local_stack, key) is None
    # A later upload to the same project goes all the way through; the refused one never arrives.
    assert post_file(local_stack, upload_key(project_id, "after.txt"), b"ok").status_code == 204
    wait_until(
        lambda: head(local_stack, f"projects/{project_id}/files/after.txt"), timeout=WAIT, what="the later upload"
    )
    listed = s3_client(local_stack).list_objects_v2(Bucket=BUCKET, Prefix=f"projects/{project_id}/")
    assert [item["Key"] for item in listed.get("Contents", [])] == [f"projects/{project_id}/files/after.txt"]


def test_a_post_that_breaks_its_policy_is_access_denied(local_stack: LocalStack) -> None:
    post = s3_client(local_stack).generate_presigned_post(BUCKET, upload_key(uuid.uuid4().hex, "a.txt"))
    fields = {**post["fields"], "key": upload_key(uuid.uuid4().hex, "a.txt")}

    response = requests.post(post["url"], data=fields, files={"file": ("a.txt", b"x")}, timeout=30)

    assert response.status_code == 403
    assert b"<Code>AccessDenied</Code>" in response.content
    assert b"Policy Condition failed" in response.content


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_preflight_from_the_spa_is_allowed(local_stack: LocalStack, host: str) -> None:
    origin = f"http://{host}:{local_stack.port}"

    response = preflight(local_stack, origin)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "content-type"
    assert response.headers["Access-Control-Expose-Headers"] == "ETag"


def test_a_preflight_from_another_origin_is_refused(local_stack: LocalStack) -> None:
    response = preflight(local_stack, "http://evil.example")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    assert b"<Code>AccessForbidden</Code>" in response.content


def test_a_restarted_stack_keeps_cors_and_upload_events(tmp_path: Path) -> None:
    first = LocalStack(tmp_path / "data").start()
    assert first.stop() == 0
    stack = LocalStack(tmp_path / "data", port=first.port).start()
    try:
        project_id = uuid.uuid4().hex

        response = post_file(stack, upload_key(project_id, "notes.txt"), b"after a restart")

        assert response.status_code == 204
        assert preflight(stack, stack.base_url).status_code == 200
        wait_until(
            lambda: head(stack, f"projects/{project_id}/files/notes.txt"), timeout=WAIT, what="the ingested file"
        )
        rules = s3_client(stack).get_bucket_cors(Bucket=BUCKET)["CORSRules"]
        assert len(rules) == 1
        notifications = s3_client(stack).get_bucket_notification_configuration(Bucket=BUCKET)
        assert len(notifications["QueueConfigurations"]) == 1
    finally:
        stack.stop()
