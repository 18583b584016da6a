"""Secrets: a value from the environment locally, from Secrets Manager (by ARN) in the cloud, cached.

Powertools' Parameters fetch and cache the secret; its client is the shared one of shared.aws, so the
settings' region and the local stack's endpoint apply as they do to every other client.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from shared import aws

# A rotated secret reaches warm functions within this long.
CACHE_SECONDS = 300


@functools.cache
def _provider(client: Any) -> SecretsProvider:
    """One provider (and cache) per client: a new client (tests switching endpoints) starts an empty cache."""
    return SecretsProvider(boto3_client=client)


def resolve(value: str | None, arn: str | None) -> str | None:
    """The secret's value: `value` when set, else the Secrets Manager secret `arn`, else None."""
    if value:
        return value
    if not arn:
        return None
    return str(_provider(aws.client("secretsmanager")).get(arn, max_age=CACHE_SECONDS))


def forget() -> None:
    """Drop every cached secret (tests; a warm function forgets by itself after CACHE_SECONDS)."""
    _provider.cache_clear()
