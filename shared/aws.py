"""AWS clients, created once per process and pointed at the local stack's endpoint when one is set.

Clients come from one botocore session (boto3 would add ~16 ms to every cold start and nothing our clients use);
their types are boto3's stubs (mypy_boto3_*), so every call site is checked.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from shared.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

# Standard retry mode backs off on throttling; a short connect timeout keeps a dead endpoint from hanging a request.
_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30)
# Presigned POSTs and URLs signed with SigV4: S3 refuses SigV2 for buckets created since mid-2020.
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))


@overload
def client(service: Literal["s3"], endpoint_url: str | None = None) -> S3Client: ...
@overload
def client(service: Literal["sqs"], endpoint_url: str | None = None) -> SQSClient: ...
@overload
def client(service: Literal["kms"], endpoint_url: str | None = None) -> KMSClient: ...
@overload
def client(service: Literal["secretsmanager"], endpoint_url: str | None = None) -> SecretsManagerClient: ...
@overload
def client(
    service: Literal["apigatewaymanagementapi"], endpoint_url: str | None = None
) -> ApiGatewayManagementApiClient: ...
def client(service: str, endpoint_url: str | None = None) -> Any:
    """A shared client for `service`; `endpoint_url` overrides the settings' endpoint (management APIs)."""
    return _client(service, endpoint_url)


@functools.cache
def _session() -> botocore.session.Session:
    return count_calls(botocore.session.get_session())


def count_calls(session: botocore.session.Session) -> botocore.session.Session:
    """With a call log set (benchmarks only), every call of the session's clients appends one line to it."""
    path = get_settings().aws_call_log
    if path is not None:
        session.register("before-parameter-build", _note_table)
        session.register("before-call", _note_request)
        session.register("after-call", functools.partial(_log_call, _call_log(path)))
    return session


@functools.cache
def _call_log(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def _note_table(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["studio_table"] = params.get("TableName", "-")


def _note_request(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    body = params.get("body")
    context["studio_request"] = body if isinstance(body, bytes) else b""
    context["studio_started"] = time.time()


def _log_call(fd: int, http_response: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
    """One line per call: service, operation, table, HTTP status, request and response sizes, when it started (epoch
    seconds), how long it took (ms) and the process, and for DynamoDB both bodies (a price table sizes their items).
    O_APPEND keeps lines whole."""
    request: bytes = context.get("studio_request", b"")
    response: bytes = b"" if model.has_streaming_output else http_response.content  # a stream is the caller's
    service, table = model.service_model.service_id, context.get("studio_table", "-")
    started = context.get("studio_started", time.time())
    took = f"{(time.time() - started) * 1000:.2f}"
    fields = [service, model.name, table, http_response.status_code, len(request), len(response)]
    fields += [f"{started:.4f}", took, os.getpid()]
    if service == "DynamoDB":  # JSON, on the line
        fields += [body.decode(errors="replace").replace("\t", " ").replace("\n", " ") for body in (request, response)]
    os.write(fd, ("\t".join(map(str, fields)) + "\n").encode())


@functools.cache
def _client(service: str, endpoint_url: str | None) -> Any:
    settings = get_settings()
    return _session().create_client(
        service,
        region_name=settings.region,
        endpoint_url=endpoint_url or settings.aws_endpoint_url,
        config=_S3_CONFIG if service == "s3" else _CONFIG,
    )


# S3 error codes: the object is not there; a condition (If-Match and the like) no longer holds.
S3_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
S3_PRECONDITION_FAILED = frozenset({"412", "PreconditionFailed"})


def error_code(exc: ClientError) -> str:
    """The AWS error code of a failed call ("NoSuchKey", "ConditionalCheckFailedException", ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints or moto contexts)."""
    _client.cache_clear()
    _session.cache_clear()


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under `prefix` (which must name a folder: "a/b/"), 1,000 per request; returns how many."""
    if not prefix.endswith("/") or prefix.count("/") < 2:
        raise ValueError(f"refusing to delete under {prefix!r}: not a folder below the bucket's top level")
    s3, count = client("s3"), 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys: list[ObjectIdentifierTypeDef] = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            count += len(keys)
    return count
