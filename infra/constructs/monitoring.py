"""Alarms and where they go: an encrypted SNS topic, optionally with an e-mail subscription."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from shared.constants import APP_NAME, SERVICE_NAME
from shared.metrics import RUNS_FAILED


class Monitoring(Construct):
    """The alarm topic (KMS-encrypted, SSL-only) and the alarms that matter before users notice."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, alarm_email: str | None = None) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch publishes to an encrypted topic only if the key lets it use data keys.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublishToEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
        )
        self.topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._action = cloudwatch_actions.SnsAction(self.topic)

    def alarm_on_dead_letters(
        self,
        dead_letter_queue: sqs.IQueue,
        *,
        construct_id: str = "JobsDeadLetterAlarm",
        description: str = "Jobs reached the dead-letter queue (failed after every retry)",
    ) -> cloudwatch.Alarm:
        """Any message in a DLQ is work that failed every retry: someone should look."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(1), statistic=cloudwatch.Stats.MAXIMUM
            ),
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            threshold=0,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        return alarm

    def alarm_on_errors(self, construct_id: str, *, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
        """Errors of a function whose failures nobody would otherwise see (the scheduler tick, ingest)."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            threshold=0,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        return alarm

    def alarm_on_failed_runs(self) -> cloudwatch.Alarm:
        """Skills and scheduled prompts run unattended: a failed or timed-out run must reach a person."""
        alarm = cloudwatch.Alarm(
            self,
            "FailedRunsAlarm",
            alarm_description="A skill or scheduled prompt run failed or timed out (see its execution history)",
            metric=cloudwatch.Metric(
                namespace=APP_NAME,
                metric_name=RUNS_FAILED,
                dimensions_map={"service": SERVICE_NAME},
                statistic=cloudwatch.Stats.SUM,
                period=cdk.Duration.minutes(5),
            ),
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            threshold=1,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        return alarm
