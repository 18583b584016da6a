"""SigV4 verification (local/sigv4.py) against requests that real boto3 clients sign.

Each request is captured just before it would be sent (botocore's `before-send` event answers it with a canned
response), so what is verified is exactly what the client would put on the wire.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config

from local.sigv4 import SignatureError, verify

ENDPOINT = "http://127.0.0.1:4566"
KEY, SECRET = "AKIAEXAMPLEEXAMPLE00", "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3"
CREDENTIALS = {KEY: SECRET}
TABLE = "studio-sessions"
BUCKET = "studio-workspace"


@dataclass(frozen=True)
class Sent:
    """A request as it goes over the wire: the target still percent-encoded, the Host header urllib3 adds."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    def check(self, credentials: dict[str, str] = CREDENTIALS, **options: Any) -> Any:
        return verify(self.method, self.target, self.headers, self.body, credentials, **options)

    def refusal(self, credentials: dict[str, str] = CREDENTIALS, **options: Any) -> SignatureError:
        with pytest.raises(SignatureError) as refused:
            self.check(credentials, **options)
        return refused.value

    def replace(self, **changes: Any) -> Sent:
        return dataclasses.replace(self, **changes)

    def with_header(self, name: str, value: str) -> Sent:
        headers = {key: item for key, item in self.headers.items() if key.lower() != name.lower()}
        return self.replace(headers={**headers, name: value})


class _CannedBody:
    def stream(self, **_: Any) -> Any:
        return iter([b""])


def client(service: str, *, key: str = KEY, secret: str = SECRET, **config: Any) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=None,
        config=Config(retries={"max_attempts": 1}, **config),
    )


def sent(service: str, call: Callable[[Any], Any], **options: Any) -> Sent:
    """The request a boto3 client of `service` signs for `call`, captured instead of sent."""
    captured: list[AWSRequest] = []

    def capture(request: AWSRequest, **_: Any) -> AWSResponse:
        captured.append(request)
        return AWSResponse(request.url, 200, {}, _CannedBody())

    signing = client(service, **options)
    signing.meta.events.register("before-send", capture)
    call(signing)
    return wire(captured[0].method, captured[0].url, dict(captured[0].headers.items()), captured[0].body)


def wire(method: str, url: str, headers: dict[str, Any], body: Any) -> Sent:
    parts = urlsplit(url)
    if hasattr(body, "read"):
        body = body.read()
    text = {name: value.decode() if isinstance(value, bytes) else str(value) for name, value in headers.items()}
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return Sent(method, target, {**text, "Host": parts.netloc}, body or b"")


def presigned(url: str) -> Sent:
    """A presigned URL as a browser fetches it: a GET with the Host header and nothing signed in the body."""
    return wire("GET", url, {}, b"")


def put_item(service: Any) -> Any:
    return service.put_item(TableName=TABLE, Item={"id": {"S": "a"}, "text": {"S": "hello"}})


def send_message(service: Any) -> Any:
    return service.send_message(QueueUrl=f"{ENDPOINT}/123456789012/jobs.fifo", MessageBody="{}", MessageGroupId="g")


def put_object(service: Any) -> Any:
    return service.put_object(Bucket=BUCKET, Key="projects/p 1/files/naïve+report=v2.md", Body=b"# hello\n")


def list_objects(service: Any) -> Any:
    return service.list_objects_v2(Bucket=BUCKET, Prefix="projects/p 1/")


def post_to_connection(service: Any) -> Any:
    return service.post_to_connection(ConnectionId="PzD4xc0voAMCI9g=", Data=b'{"type": "hello"}')


SIGNED = {
    "dynamodb": ("dynamodb", put_item),
    "sqs (JSON protocol)": ("sqs", send_message),
    "s3 with a body": ("s3", put_object),
    "s3 with a query": ("s3", list_objects),
    "execute-api": ("apigatewaymanagementapi", post_to_connection),
}


@pytest.mark.parametrize(("service", "call"), SIGNED.values(), ids=SIGNED.keys())
def test_requests_boto3_signs_are_verified(service: str, call: Callable[[Any], Any]) -> None:
    request = sent(service, call)

    scope = request.check()

    assert scope.access_key == KEY
    assert scope.region == "us-east-1"
    assert scope.service == {"apigatewaymanagementapi": "execute-api"}.get(service, service)


def test_an_unsigned_header_may_change_but_a_signed_one_may_not() -> None:
    request = sent("dynamodb", put_item)

    request.with_header("User-Agent", "something else").check()
    other_operation = request.with_header("X-Amz-Target", "DynamoDB_20120810.DeleteTable")

    assert other_operation.refusal().code == "SignatureDoesNotMatch"


def test_a_changed_method_path_or_query_does_not_match() -> None:
    put, listing = sent("s3", put_object), sent("s3", list_objects)

    for tampered in (
        put.replace(method="POST"),
        put.replace(target=put.target.replace("na%C3%AFve", "other")),
        listing.replace(target=listing.target.replace("p%201", "p%202")),
        listing.replace(target=f"{listing.target}&max-keys=1"),
    ):
        error = tampered.refusal()

        assert error.code == "SignatureDoesNotMatch"
        assert error.s3_code == "SignatureDoesNotMatch"
        assert "CanonicalRequest" in error.details


def test_a_changed_body_does_not_match() -> None:
    item, message = sent("dynamodb", put_item), sent("sqs", send_message)

    for tampered in (
        item.replace(body=item.body.replace(b"hello", b"HELLO")),
        message.replace(body=message.body.replace(b"{}", b"[]")),
    ):
        assert tampered.refusal().code == "SignatureDoesNotMatch"


def test_an_s3_body_other_than_the_signed_hash_is_refused() -> None:
    request = sent("s3", put_object)

    error = request.replace(body=b"# replaced\n").refusal()

    assert error.code == "XAmzContentSHA256Mismatch"


def test_a_wrong_secret_does_not_match_and_an_unknown_key_is_not_ours() -> None:
    request = sent("dynamodb", put_item)
    stranger = sent("dynamodb", put_item, key="AKIAMADEUPMADEUP0000", secret="made-up")

    wrong_secret = request.refusal({KEY: "another secret"})
    unknown = stranger.refusal()

    assert wrong_secret.code == "SignatureDoesNotMatch"
    assert wrong_secret.json_type == "InvalidSignatureException"
    assert unknown.code == "InvalidAccessKeyId"
    assert unknown.json_type == "UnrecognizedClientException"


def test_a_request_without_a_signature_is_missing_its_token() -> None:
    request = sent("dynamodb", put_item)
    headers = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}

    error = request.replace(headers=headers).refusal()

    assert error.code == "MissingAuthenticationToken"
    assert error.s3_code == "AccessDenied"
    assert error.json_type == "MissingAuthenticationTokenException"


def test_a_request_signed_more_than_15_minutes_away_is_refused() -> None:
    request = sent("sqs", send_message)
    signed_at = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)

    request.check(now=signed_at + timedelta(minutes=14))
    late = request.refusal(now=signed_at + timedelta(minutes=16))
    early = request.refusal(now=signed_at - timedelta(minutes=16))

    assert late.code == early.code == "RequestTimeTooSkewed"


def test_a_signature_for_another_service_is_refused_where_one_service_is_expected() -> None:
    request = sent("dynamodb", put_item)

    assert request.refusal(service="execute-api").code == "SignatureDoesNotMatch"
    assert sent("apigatewaymanagementapi", post_to_connection).check(service="execute-api").service == "execute-api"


@pytest.mark.unit
def test_a_presigned_s3_get_is_verified_until_it_expires() -> None:
    signer = client("s3", signature_version="s3v4")
    url = signer.generate_presigned_url(
        "get_object",
        Params={"Bucket": BUCKET, "Key": "projects/p 1/files/report.md", "ResponseContentDisposition": "attachment"},
        ExpiresIn=60,
    )
    request = presigned(url)
    query = dict(pair.split("=", 1) for pair in urlsplit(url).query.split("&"))
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)

    assert request.check(now=signed_at + timedelta(seconds=59)).service == "s3"
    expired = request.refusal(now=signed_at + timedelta(seconds=61))
    assert expired.code == "RequestExpired"
    assert expired.s3_code == "AccessDenied"
    assert expired.message == "Request has expired"


@pytest.mark.unit
def test_a_presigned_url_with_a_changed_key_expiry_or_signature_is_refused() -> None:
    url = client("s3", signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "projects/p1/files/report.md"}, ExpiresIn=60
    )
    signature = urlsplit(url).query.rpartition("X-Amz-Signature=")[2]

    for tampered in (
        url.replace("report.md", "secret.md"),
        url.replace("X-Amz-Expires=60", "X-Amz-Expires=86400"),
        url.replace(signature, "0" * len(signature)),
    ):
        assert presigned(tampered).refusal().code == "SignatureDoesNotMatch"


@pytest.mark.unit
def test_a_sigv2_presigned_url_is_not_accepted() -> None:
    url = client("s3", signature_version="s3").generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "report.md"}
    )

    assert "AWSAccessKeyId=" in url
    assert presigned(url).refusal().code == "MissingAuthenticationToken"
