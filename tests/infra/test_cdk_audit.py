"""The audit log's retention: one context value sets the table's TTL in every process and the log group that holds
CloudWatch's copy of the entries (the REST API's, whose routes write them)."""

from __future__ import annotations

import pytest
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Capture, Match

from infra.config import ConfigError, StageConfig
from infra.constructs.api import API_HANDLER
from infra.constructs.function import retention_covering
from shared.constants import Env

pytestmark = pytest.mark.infra


def _api_log_retention(synthesized) -> int:
    group = Capture()
    synthesized.template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": API_HANDLER, "LoggingConfig": Match.object_like({"LogGroup": {"Ref": group}})},
    )
    return int(synthesized.template_json["Resources"][group.as_string()]["Properties"]["RetentionInDays"])


def _runner_environment(synthesized) -> dict[str, str]:
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition").values()
    container = task["Properties"]["ContainerDefinitions"][0]
    return {variable["Name"]: variable["Value"] for variable in container["Environment"]}


def test_every_function_and_the_runner_keep_audit_entries_365_days_by_default(template, synthesized):
    # Given the stack synthesized with cdk.json's context (no auditRetentionDays)
    functions = synthesized.resources("AWS::Lambda::Function")
    ours = {
        logical_id: resource["Properties"]["Environment"]["Variables"]
        for logical_id, resource in functions.items()
        if Env.MODE in resource["Properties"].get("Environment", {}).get("Variables", {})
    }

    # Then every function of the application and the runner are told the default, and the REST API (which writes
    # the entries) keeps its log lines, CloudWatch's copy, a year
    assert ours and {variables.get(Env.AUDIT_RETENTION_DAYS) for variables in ours.values()} == {"365"}
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": API_HANDLER,
            "Environment": {"Variables": Match.object_like({Env.AUDIT_RETENTION_DAYS: "365"})},
        },
    )
    assert _runner_environment(synthesized)[Env.AUDIT_RETENTION_DAYS] == "365"
    assert _api_log_retention(synthesized) == 365


def test_a_deployment_sets_the_retention_and_the_log_group_keeps_at_least_as_long(synthesize_into):
    # When a stage keeps the audit log 400 days
    variant = synthesize_into(auditRetentionDays="400")

    # Then its functions are told so and the API's log group keeps 400 days (a retention CloudWatch offers)
    api = variant.function(API_HANDLER)["Properties"]["Environment"]["Variables"]
    assert api[Env.AUDIT_RETENTION_DAYS] == "400"
    assert _runner_environment(variant)[Env.AUDIT_RETENTION_DAYS] == "400"
    assert _api_log_retention(variant) == 400


@pytest.mark.parametrize(("days", "kept"), [(1, 1), (2, 3), (30, 30), (365, 365), (366, 400), (3653, 3653)])
def test_a_log_group_keeps_the_shortest_retention_that_covers_the_days(days, kept):
    lengths = {logs.RetentionDays.ONE_DAY: 1, logs.RetentionDays.THREE_DAYS: 3, logs.RetentionDays.ONE_MONTH: 30}
    lengths |= {logs.RetentionDays.ONE_YEAR: 365, logs.RetentionDays.THIRTEEN_MONTHS: 400}
    lengths |= {logs.RetentionDays.TEN_YEARS: 3653}

    assert lengths[retention_covering(days)] == kept


@pytest.mark.parametrize("days", ["0", "-5", "3654", "a year"])
def test_a_retention_cloudwatch_cannot_keep_is_refused_at_synth(days):
    with pytest.raises(ConfigError):
        StageConfig.from_context({"auditRetentionDays": days}.get)
