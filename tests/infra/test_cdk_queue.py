"""The jobs queue: FIFO, redrive to a FIFO DLQ, the first visibility lease, SSE, SSL only, an alarm on the DLQ."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Capture, Match

from shared.constants import JOBS_DLQ_NAME, JOBS_MAX_RECEIVE_COUNT, JOBS_QUEUE_NAME, JOBS_VISIBILITY_TIMEOUT_SECONDS

pytestmark = pytest.mark.infra


def test_jobs_queue_is_fifo_with_a_redrive_to_the_dead_letter_queue(template, synthesized):
    # Given the stack, when the jobs queue is inspected, then it redrives to the DLQ after the configured receives.
    dlq_arn = Capture()
    prefix = synthesized.stack.config.prefix
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "QueueName": f"{prefix}{JOBS_QUEUE_NAME}",
            "FifoQueue": True,
            "ContentBasedDeduplication": False,
            "VisibilityTimeout": JOBS_VISIBILITY_TIMEOUT_SECONDS,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": JOBS_MAX_RECEIVE_COUNT},
        },
    )

    dlq_logical_id = dlq_arn.as_object()["Fn::GetAtt"][0]
    dlq = synthesized.template_json["Resources"][dlq_logical_id]
    assert dlq["Type"] == "AWS::SQS::Queue"
    assert dlq["Properties"]["QueueName"] == f"{prefix}{JOBS_DLQ_NAME}"
    assert dlq["Properties"]["FifoQueue"] is True
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True


def test_both_queues_refuse_requests_without_tls(synthesized):
    queues = set(synthesized.resources("AWS::SQS::Queue"))
    denied = set()
    for policy in synthesized.resources("AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}:
                denied |= synthesized.referenced_ids(policy["Properties"]["Queues"])

    assert queues == denied


def test_an_alarm_fires_on_any_dead_lettered_job(template, synthesized):
    # The alarm watches the DLQ (not the main queue) and notifies the alarm topic.
    queue_name = Capture()
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": queue_name}],
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 0,
            "AlarmActions": Match.any_value(),
        },
    )

    watched = queue_name.as_object()["Fn::GetAtt"][0]
    assert synthesized.template_json["Resources"][watched]["Properties"]["QueueName"].endswith(JOBS_DLQ_NAME)


def test_a_failed_skill_or_scheduled_run_raises_an_alarm(template) -> None:
    from aws_cdk.assertions import Match

    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        Match.object_like(
            {
                "MetricName": "RunsFailed",
                "Namespace": "sasha-studio",
                "Statistic": "Sum",
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "AlarmActions": Match.any_value(),
            }
        ),
    )
