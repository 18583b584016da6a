"""The scheduler clock: an EventBridge Scheduler `rate(1 minute)` schedule that invokes the tick function."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from infra.constructs.function import FunctionDefaults, StudioFunction
from infra.nag import acknowledge, resource_wildcard

TICK_HANDLER = "functions.tick.handler.handler"


class SchedulerTick(Construct):
    """The tick reads due schedules, writes executions with conditional puts and enqueues their jobs.

    Duplicate or retried invocations are harmless (an execution id per schedule slot), so a failed tick is
    retried twice within the minute it belongs to and then dropped: the next tick catches up.
    """

    def __init__(self, scope: Construct, construct_id: str, *, defaults: FunctionDefaults, description: str) -> None:
        super().__init__(scope, construct_id)
        self.tick: StudioFunction = defaults.function(
            self,
            "Tick",
            handler=TICK_HANDLER,
            description="Sasha Studio scheduler tick (due schedules, orphaned executions)",
            timeout=cdk.Duration.seconds(55),
        )
        invoker = iam.Role(
            self,
            "InvokeRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler: invoke the Sasha Studio tick",
        )
        self.schedule = scheduler.Schedule(
            self,
            "EveryMinute",
            description=description,
            schedule=scheduler.ScheduleExpression.rate(cdk.Duration.minutes(1)),
            target=targets.LambdaInvoke(
                self.tick.function,
                retry_attempts=2,
                max_event_age=cdk.Duration.minutes(1),
                role=invoker,
            ),
        )
        acknowledge(
            invoker,
            {
                resource_wildcard(self, f"{self.tick.function.function_arn}:*"): (
                    "CDK's invoke grant covers the tick function and its versions (`<function ARN>:*`); no other "
                    "function can be invoked."
                )
            },
        )
