"""Stage configuration from CDK context."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, StageConfig

pytestmark = pytest.mark.infra


def test_defaults_are_a_dev_stage_that_idles_at_zero_runners():
    config = StageConfig.from_context({}.get)

    assert config.stage == "dev"
    assert config.runner_min_capacity == 0
    assert config.runner_max_capacity >= 1
    assert config.table_prefix == "sasha-studio-dev-"


def test_context_values_arrive_as_strings_from_the_cli():
    context = {"stage": "prod", "runnerMinCapacity": "1", "runnerMaxCapacity": "4"}

    config = StageConfig.from_context(context.get)

    assert (config.stage, config.runner_min_capacity, config.runner_max_capacity) == ("prod", 1, 4)
    assert config.secret_name("jwt-signing-key") == "sasha-studio/prod/jwt-signing-key"


@pytest.mark.parametrize(
    "context",
    [
        {"stage": "Prod"},
        {"stage": "a" * 17},
        {"runnerMinCapacity": "3", "runnerMaxCapacity": "2"},
        {"runnerMaxCapacity": "0"},
        {"runnerMaxCapacity": "many"},
        {"runnerSpotPercent": "101"},
        {"runnerSpotPercent": "-1"},
    ],
)
def test_invalid_context_is_refused(context):
    with pytest.raises(ConfigError):
        StageConfig.from_context(context.get)
