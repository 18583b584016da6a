"""boto3 clients, created once per process and pointed at the local stack's endpoint when one is set."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from shared.settings import get_settings

# Standard retry mode backs off on throttling; a short connect timeout keeps a dead endpoint from hanging a request.
_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30)
# Presigned POSTs and URLs signed with SigV4: S3 refuses SigV2 for buckets created since mid-2020.
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))


@functools.cache
def client(service: str, endpoint_url: str | None = None) -> Any:
    """A shared client for `service`; `endpoint_url` overrides the settings' endpoint (management APIs)."""
    settings = get_settings()
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
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
    client.cache_clear()


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under `prefix` (which must name a folder: "a/b/"), 1,000 per request; returns how many."""
    if not prefix.endswith("/") or prefix.count("/") < 2:
        raise ValueError(f"refusing to delete under {prefix!r}: not a folder below the bucket's top level")
    s3, count = client("s3"), 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            count += len(keys)
    return count
