"""Secrets: the environment's value wins; otherwise Secrets Manager by ARN, read once and cached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared import aws, secrets
from tests.support.aws import moto_aws


@pytest.fixture
def stored_secret() -> Iterator[str]:
    """The ARN of a secret held in (moto's) Secrets Manager; no cached value before or after."""
    with moto_aws([]):
        secrets.forget()
        arn = aws.client("secretsmanager").create_secret(Name="studio/jwt", SecretString="from-secrets-manager")["ARN"]
        yield str(arn)
    secrets.forget()


@pytest.mark.unit
def test_a_value_from_the_environment_wins_and_nothing_is_fetched() -> None:
    assert secrets.resolve("from-the-environment", "arn:aws:secretsmanager:us-east-1:1:secret:unused") == (
        "from-the-environment"
    )
    assert secrets.resolve(None, None) is None
    assert secrets.resolve("", None) is None


def test_a_secret_is_read_by_arn_and_cached(stored_secret: str) -> None:
    # Given the secret was read once
    assert secrets.resolve(None, stored_secret) == "from-secrets-manager"

    # When it is rotated
    aws.client("secretsmanager").put_secret_value(SecretId=stored_secret, SecretString="rotated")

    # Then warm readers keep the cached value until it expires (or is forgotten)
    assert secrets.resolve(None, stored_secret) == "from-secrets-manager"
    secrets.forget()
    assert secrets.resolve(None, stored_secret) == "rotated"
