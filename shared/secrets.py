"""Secrets: a value from the environment locally, from Secrets Manager (by ARN) in the cloud, cached."""

from __future__ import annotations

import threading
import time

from shared import aws

# A rotated secret reaches warm functions within this long.
CACHE_SECONDS = 300

_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


def resolve(value: str | None, arn: str | None) -> str | None:
    """The secret's value: `value` when set, else the Secrets Manager secret `arn`, else None."""
    if value:
        return value
    if not arn:
        return None
    with _lock:
        cached = _cache.get(arn)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    secret = str(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    with _lock:
        _cache[arn] = (time.monotonic() + CACHE_SECONDS, secret)
    return secret


def forget() -> None:
    with _lock:
        _cache.clear()
