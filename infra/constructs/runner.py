"""The runner: an ECS Fargate service (arm64) consuming the jobs queue, scaled on queue depth."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge, acknowledge_grant, wildcard

RUNNER_DOCKERFILE = "runner/Dockerfile"
RUNNER_COMMAND = ("python", "-m", "runner")
# The image's build context: the repository minus everything but these folders (the runner needs no more).
IMAGE_CONTEXT_FOLDERS = ("shared", "runner", "requirements")
# Installed inside the image from runner/package-lock.json; a local copy would only bloat the context.
IMAGE_CONTEXT_EXCLUDED = ("runner/node_modules", "**/__pycache__", "**/*.pyc")
# ECS sends SIGTERM, then SIGKILL after this long; Fargate allows at most two minutes.
STOP_TIMEOUT = cdk.Duration.seconds(120)
# More steps than this would not fit a step scaling policy comfortably; the last step jumps to max capacity.
MAX_SCALING_STEPS = 8
# What the task itself calls while it works (task scale-in protection through $ECS_AGENT_URI).
TASK_PROTECTION_ACTIONS = ("ecs:GetTaskProtection", "ecs:UpdateTaskProtection")


def image_context_exclude() -> list[str]:
    """Docker-ignore patterns that keep only `shared/`, `runner/` and `requirements/` in the build context."""
    return ["*", *(f"!{folder}" for folder in IMAGE_CONTEXT_FOLDERS), *IMAGE_CONTEXT_EXCLUDED]


def scaling_steps(*, max_capacity: int, concurrency: int) -> list[autoscaling.ScalingInterval]:
    """Exact-capacity steps on visible + in-flight messages: 0 → min capacity, 1 → one task, then a task per
    `concurrency` messages (the pattern's default steps would wait for 100 messages before starting one)."""
    steps = [autoscaling.ScalingInterval(upper=0, change=0)]
    top = min(max_capacity, MAX_SCALING_STEPS)
    for tasks in range(1, top + 1):
        change = max_capacity if tasks == top else tasks
        steps.append(autoscaling.ScalingInterval(lower=(tasks - 1) * concurrency + 1, change=change))
    return steps


class Runner(Construct):
    """Task definition, service and queue-depth scaling; the stack grants the task role its data access."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repo_root: Path,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        queue: sqs.IQueue,
        environment: Mapping[str, str],
        secrets: Mapping[str, secretsmanager.ISecret],
        min_capacity: int,
        max_capacity: int,
        concurrency: int,
        cpu: int,
        memory_mib: int,
        image: ecs.ContainerImage | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=cpu,
            memory_limit_mib=memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        self.container = self.task_definition.add_container(
            "Runner",
            image=image or self._image(repo_root),
            command=list(RUNNER_COMMAND),
            environment=dict(environment),
            secrets={name: ecs.Secret.from_secrets_manager(secret) for name, secret in secrets.items()},
            logging=ecs.LogDrivers.aws_logs(stream_prefix="runner", log_group=self.log_group),
            stop_timeout=STOP_TIMEOUT,
            essential=True,
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=min_capacity,
            assign_public_ip=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[security_group],
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            min_healthy_percent=0 if min_capacity == 0 else 100,
            max_healthy_percent=200,
        )
        self._scale_on_queue_depth(queue, min_capacity, max_capacity, concurrency)
        self._allow_task_protection()
        self._acknowledge_findings()

    @staticmethod
    def _image(repo_root: Path) -> ecs.ContainerImage:
        # Staged by copying at synth time; Docker builds it only at deploy time (cdk-assets).
        if not (repo_root / RUNNER_DOCKERFILE).is_file():
            raise FileNotFoundError(f"{repo_root / RUNNER_DOCKERFILE} is missing: the runner image is built from it")
        return ecs.ContainerImage.from_asset(
            str(repo_root),
            file=RUNNER_DOCKERFILE,
            exclude=image_context_exclude(),
            ignore_mode=cdk.IgnoreMode.DOCKER,
            platform=ecr_assets.Platform.LINUX_ARM64,
        )

    def backlog_metric(self, queue: sqs.IQueue) -> cloudwatch.MathExpression:
        """Visible + in-flight messages: a job being worked on keeps its task alive."""
        period = cdk.Duration.minutes(1)
        return cloudwatch.MathExpression(
            expression="visible + inflight",
            label="Jobs waiting or running",
            period=period,
            using_metrics={
                "visible": queue.metric_approximate_number_of_messages_visible(
                    period=period, statistic=cloudwatch.Stats.MAXIMUM
                ),
                "inflight": queue.metric_approximate_number_of_messages_not_visible(
                    period=period, statistic=cloudwatch.Stats.MAXIMUM
                ),
            },
        )

    def _scale_on_queue_depth(self, queue: sqs.IQueue, min_capacity: int, max_capacity: int, concurrency: int) -> None:
        scaling = self.service.auto_scale_task_count(min_capacity=min_capacity, max_capacity=max_capacity)
        scaling.scale_on_metric(
            "QueueDepth",
            metric=self.backlog_metric(queue),
            scaling_steps=scaling_steps(max_capacity=max_capacity, concurrency=concurrency),
            adjustment_type=autoscaling.AdjustmentType.EXACT_CAPACITY,
            cooldown=cdk.Duration.minutes(1),
            evaluation_periods=1,
        )

    def _allow_task_protection(self) -> None:
        task_arns = cdk.Stack.of(self).format_arn(
            service="ecs",
            resource="task",
            resource_name=f"{self.cluster.cluster_name}/*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        grant = iam.Grant.add_to_principal(
            grantee=self.task_definition.task_role, actions=list(TASK_PROTECTION_ACTIONS), resource_arns=[task_arns]
        )
        acknowledge_grant(
            self.task_definition.task_role,
            grant,
            "A task protects itself while it runs a job (scale-in protection); task ids exist only at run time, so "
            "the ARN pattern is this cluster's tasks.",
        )

    @property
    def task_role(self) -> iam.IRole:
        return self.task_definition.task_role

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.task_definition,
            {
                "AwsSolutions-ECS2": (
                    "The environment holds names and endpoints only (tables, bucket, queue URL, secret ARNs); the one "
                    "secret value (ANTHROPIC_API_KEY) is injected from Secrets Manager."
                ),
            },
        )
        acknowledge(
            self.task_definition.obtain_execution_role(),
            {
                wildcard("Resource::*"): (
                    "ecr:GetAuthorizationToken has no resource-level permissions; image pulls and log writes are "
                    "scoped to the asset repository and the runner's log group."
                ),
            },
        )
