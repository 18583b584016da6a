"""The settings object: read once from the environment, refusing configurations that would be unsafe."""

from __future__ import annotations

import pytest

from shared.constants import Env
from shared.settings import SettingsError, from_env

pytestmark = pytest.mark.unit

CLOUD = {
    Env.MODE: "aws",
    Env.JOBS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/jobs.fifo",
    Env.WS_ENDPOINT: "https://abc.execute-api.us-east-1.amazonaws.com/prod",
    Env.JWT_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:jwt",
}


def test_local_defaults_need_no_environment() -> None:
    settings = from_env({})

    assert settings.is_local
    assert settings.port == 8080
    assert settings.upload_max_bytes == 50 * 1024 * 1024
    assert settings.table_name("users") == "studio-users"


def test_cloud_mode_refuses_the_local_development_secret() -> None:
    environ = {key: value for key, value in CLOUD.items() if key != Env.JWT_SECRET_ARN}

    with pytest.raises(SettingsError, match="random secret"):
        from_env({**environ, Env.JWT_SECRET: "short"})


def test_cloud_mode_accepts_a_secret_held_in_secrets_manager() -> None:
    settings = from_env(CLOUD)

    assert settings.mode == "aws"
    assert settings.jwt_secret_arn == CLOUD[Env.JWT_SECRET_ARN]


def test_cloud_mode_refuses_a_local_endpoint() -> None:
    with pytest.raises(SettingsError, match="local stack only"):
        from_env({**CLOUD, Env.AWS_ENDPOINT_URL: "http://127.0.0.1:5000"})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (Env.PORT, "eighty", "whole number"),
        (Env.RUNNER_CONCURRENCY, "0", "must be positive"),
        (Env.MODE, "cloud", "'local' or 'aws'"),
    ],
)
def test_bad_values_fail_fast_with_a_readable_reason(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        from_env({name: value})


def test_the_claude_cli_environment_is_passed_through_as_the_cli_reads_it() -> None:
    settings = from_env(
        {
            "ANTHROPIC_API_KEY": "sk-ant-test",
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:9999",
            "CLAUDE_CODE_USE_BEDROCK": "1",
            "UNRELATED": "x",
        }
    )

    assert settings.claude_env == {
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9999",
        "CLAUDE_CODE_USE_BEDROCK": "1",
    }
