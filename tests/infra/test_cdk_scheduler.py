"""The scheduler clock: EventBridge Scheduler, rate(1 minute), invoking the tick function."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Capture

from infra.constructs.scheduler import TICK_HANDLER

pytestmark = pytest.mark.infra


def test_a_one_minute_schedule_invokes_the_tick(template, synthesized):
    # Given the schedule, then it fires every minute and targets the tick function's ARN.
    target_arn = Capture()
    role_arn = Capture()
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "rate(1 minute)",
            "State": "ENABLED",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": target_arn, "RoleArn": role_arn, "RetryPolicy": {"MaximumEventAgeInSeconds": 60}},
        },
    )

    assert target_arn.as_object() == {"Fn::GetAtt": [synthesized.function_id(TICK_HANDLER), "Arn"]}
    # The scheduler's role may invoke the tick and nothing else.
    role_id = role_arn.as_object()["Fn::GetAtt"][0]
    statements = synthesized.role_statements(role_id)
    assert statements
    for statement in statements:
        assert synthesized.as_list(statement["Action"]) == ["lambda:InvokeFunction"]
        assert synthesized.referenced_ids(statement["Resource"]) == {synthesized.function_id(TICK_HANDLER)}


def test_the_scheduler_is_not_the_legacy_events_rule(synthesized):
    assert not synthesized.resources("AWS::Events::Rule")
