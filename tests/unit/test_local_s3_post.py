"""The local stack's check of browser POST uploads, with policies signed by boto3's real generate_presigned_post."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
import requests
from botocore.config import Config

from local.s3_post import S3Error, parse_form, verify_post

pytestmark = pytest.mark.unit

BUCKET = "studio-workspace"
KEY = "uploads/0123456789abcdef0123456789abcdef/fedcba9876543210fedcba9876543210/notes.txt"
LIMIT = 1000
CREDENTIALS = {"local": "local"}
SIGNATURES = {"sigv4": Config(signature_version="s3v4"), "sigv2": None}  # None: boto3's default in us-east-1


def presigned_post(
    key: str = KEY, *, signature: str = "sigv4", secret: str = "local", **options: Any
) -> dict[str, Any]:
    s3 = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:1",  # generating a presigned POST does not call the network
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key=secret,
        config=SIGNATURES[signature],
    )
    options.setdefault("Conditions", [["content-length-range", 0, LIMIT]])
    return dict(s3.generate_presigned_post(BUCKET, key, **options))


def encode(fields: dict[str, str], content: bytes, *, file_first: bool = False) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser's FormData sends it (fields, then the file)."""
    parts: list[tuple[str, tuple[str | None, Any]]] = [(name, (None, value)) for name, value in fields.items()]
    upload = ("file", ("notes.txt", content))
    parts = [upload, *parts] if file_first else [*parts, upload]
    request = requests.Request("POST", f"http://127.0.0.1:1/{BUCKET}", files=parts).prepare()
    return bytes(request.body or b""), request.headers["Content-Type"]


def check(fields: dict[str, str], content: bytes = b"hello", **options: Any) -> None:
    body, content_type = encode(fields, content, **options)
    verify_post(parse_form(body, content_type), bucket=BUCKET, credentials=CREDENTIALS)


def refusal(fields: dict[str, str], content: bytes = b"hello", **options: Any) -> S3Error:
    with pytest.raises(S3Error) as refused:
        check(fields, content, **options)
    return refused.value


def xml_of(error: S3Error) -> dict[str, str]:
    status, headers, body = error.response()
    root = ElementTree.fromstring(body)
    assert root.tag == "Error"
    assert dict(headers)["Content-Type"] == "application/xml"
    return {"status": status, **{child.tag: child.text or "" for child in root}}


@pytest.mark.parametrize("signature", SIGNATURES)
def test_a_post_within_its_policy_is_accepted(signature: str) -> None:
    post = presigned_post(signature=signature)

    check(post["fields"], b"x" * LIMIT)


@pytest.mark.parametrize("signature", SIGNATURES)
def test_a_file_one_byte_over_the_range_is_entity_too_large(signature: str) -> None:
    post = presigned_post(signature=signature)

    error = xml_of(refusal(post["fields"], b"x" * (LIMIT + 1)))

    assert error["status"] == "400 Bad Request"
    assert error["Code"] == "EntityTooLarge"
    assert error["Message"] == "Your proposed upload exceeds the maximum allowed size"
    assert (error["ProposedSize"], error["MaxSizeAllowed"]) == (str(LIMIT + 1), str(LIMIT))
    assert error["RequestId"] and error["HostId"]


def test_a_file_under_the_range_is_entity_too_small() -> None:
    post = presigned_post(Conditions=[["content-length-range", 10, LIMIT]])

    error = xml_of(refusal(post["fields"], b"short"))

    assert error["Code"] == "EntityTooSmall"
    assert (error["ProposedSize"], error["MinSizeAllowed"]) == ("5", "10")


def test_an_expired_policy_is_refused() -> None:
    post = presigned_post(ExpiresIn=60)
    body, content_type = encode(post["fields"], b"hello")
    later = datetime.now(UTC) + timedelta(minutes=2)

    with pytest.raises(S3Error) as refused:
        verify_post(parse_form(body, content_type), bucket=BUCKET, credentials=CREDENTIALS, now=later)

    error = xml_of(refused.value)
    assert error["status"] == "403 Forbidden"
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == "Invalid according to Policy: Policy expired."


@pytest.mark.parametrize("signature", SIGNATURES)
def test_a_tampered_policy_does_not_match_its_signature(signature: str) -> None:
    fields = presigned_post(signature=signature)["fields"]
    document = json.loads(base64.b64decode(fields["policy"]))
    document["conditions"] = [
        ["content-length-range", 0, 10**12] if isinstance(c, list) else c for c in document["conditions"]
    ]
    fields["policy"] = base64.b64encode(json.dumps(document).encode()).decode()

    error = xml_of(refusal(fields, b"x" * (LIMIT + 1)))

    assert error["status"] == "403 Forbidden"
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["StringToSign"] == fields["policy"]
    assert error["AWSAccessKeyId"] == "local"


@pytest.mark.parametrize("signature", SIGNATURES)
def test_a_policy_signed_with_another_secret_does_not_match(signature: str) -> None:
    post = presigned_post(signature=signature, secret="not-the-secret")

    assert xml_of(refusal(post["fields"]))["Code"] == "SignatureDoesNotMatch"


def test_an_unknown_access_key_is_refused() -> None:
    fields = presigned_post()["fields"]
    fields["x-amz-credential"] = fields["x-amz-credential"].replace("local/", "someone/", 1)

    error = xml_of(refusal(fields))

    assert error["Code"] == "InvalidAccessKeyId"
    assert error["AWSAccessKeyId"] == "someone"


def test_a_key_outside_the_starts_with_prefix_is_refused() -> None:
    fields = presigned_post("uploads/${filename}")["fields"]
    fields["key"] = "projects/p1/files/notes.txt"

    error = xml_of(refusal(fields))

    assert error["Code"] == "AccessDenied"
    assert (
        error["Message"] == 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]'
    )


def test_a_key_other_than_the_signed_one_is_refused() -> None:
    fields = presigned_post()["fields"]
    fields["key"] = KEY.replace("notes.txt", "other.txt")

    error = xml_of(refusal(fields))

    assert error["Code"] == "AccessDenied"
    assert error["Message"] == f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{KEY}"]'


def test_a_policy_for_another_bucket_is_refused() -> None:
    fields = presigned_post()["fields"]
    body, content_type = encode(fields, b"hello")

    with pytest.raises(S3Error) as refused:
        verify_post(parse_form(body, content_type), bucket="another-bucket", credentials=CREDENTIALS)

    assert xml_of(refused.value)["Message"].endswith(f'Policy Condition failed: ["eq", "$bucket", "{BUCKET}"]')


def test_a_field_no_condition_covers_is_refused() -> None:
    fields = {**presigned_post()["fields"], "x-amz-meta-owner": "mallory"}

    error = xml_of(refusal(fields))

    assert error["status"] == "403 Forbidden"
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == "Invalid according to Policy: Extra input fields: x-amz-meta-owner"


def test_covered_fields_and_x_ignore_fields_are_accepted() -> None:
    post = presigned_post(
        Fields={"Content-Type": "text/plain"},
        Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 0, LIMIT]],
    )

    check({**post["fields"], "x-ignore-progress-id": "42"})


def test_a_condition_on_a_field_the_form_lacks_fails() -> None:
    post = presigned_post(Conditions=[["starts-with", "$Content-Type", "text/"], ["content-length-range", 0, LIMIT]])

    error = xml_of(refusal(post["fields"]))

    assert error["Message"].endswith('Policy Condition failed: ["starts-with", "$Content-Type", "text/"]')


def test_a_form_without_a_key_is_an_invalid_argument() -> None:
    fields = presigned_post()["fields"]
    del fields["key"]

    error = xml_of(refusal(fields))

    assert error["status"] == "400 Bad Request"
    assert error["Code"] == "InvalidArgument"
    assert error["ArgumentName"] == "key"
    assert error["Message"].startswith("Bucket POST must contain a field named 'key'.")


def test_fields_after_the_file_are_ignored_like_s3_ignores_them() -> None:
    fields = presigned_post()["fields"]

    error = xml_of(refusal(fields, file_first=True))

    assert (error["Code"], error["ArgumentName"]) == ("InvalidArgument", "key")


def test_a_form_without_a_file_is_an_invalid_argument() -> None:
    fields = presigned_post()["fields"]
    request = requests.Request(
        "POST", "http://127.0.0.1:1/", files=[(k, (None, v)) for k, v in fields.items()]
    ).prepare()

    with pytest.raises(S3Error) as refused:
        verify_post(
            parse_form(bytes(request.body or b""), request.headers["Content-Type"]),
            bucket=BUCKET,
            credentials=CREDENTIALS,
        )

    error = xml_of(refused.value)
    assert (error["Code"], error["ArgumentName"], error["ArgumentValue"]) == ("InvalidArgument", "file", "0")


def test_a_missing_signature_field_is_named() -> None:
    fields = presigned_post()["fields"]
    del fields["x-amz-signature"]

    error = xml_of(refusal(fields))

    assert (error["Code"], error["ArgumentName"]) == ("InvalidArgument", "X-Amz-Signature")


def test_an_unsigned_post_is_access_denied() -> None:
    error = xml_of(refusal({"key": KEY}))

    assert (error["status"], error["Code"], error["Message"]) == ("403 Forbidden", "AccessDenied", "Access Denied")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"not multipart at all", "multipart/form-data; boundary=xyz"), (b"--xyz\r\n", "multipart/form-data")],
)
def test_a_body_that_is_not_multipart_is_malformed(body: bytes, content_type: str) -> None:
    with pytest.raises(S3Error) as refused:
        parse_form(body, content_type)

    assert xml_of(refused.value)["Code"] == "MalformedPOSTRequest"


def test_the_file_size_counts_the_file_only() -> None:
    fields = presigned_post()["fields"]
    body, content_type = encode(fields, b"x" * LIMIT)

    form = parse_form(body, content_type)

    assert form.file_size == LIMIT
    assert len(body) > LIMIT
    assert form.get("KEY") == KEY
