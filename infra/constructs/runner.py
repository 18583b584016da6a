"""The runner: an ECS Fargate service (arm64) consuming the jobs queue, scaled on queue depth.

The runner is root in its container with a reduced capability set; the Claude CLI of each job runs under a pool
uid of its own (runner/sandbox). The sandbox values here and in runner/Dockerfile must agree (a test checks).
"""

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
from shared.constants import Env

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

# Each job's CLI runs as one of the pool users sasha-job-0 … N-1 (created in the image), in folders under the
# sandbox directory. N bounds the jobs a task may run at once.
SANDBOX_MODE = "uid"
SANDBOX_DIR = "/sandbox"
SANDBOX_SLOTS = 16
# What root does for the sandbox: switch a job to its uid (SETUID, SETGID), hand it the job's folders and take them
# back (CHOWN, FOWNER, FSETID, DAC_OVERRIDE), and kill every process of the uid after the turn (KILL).
# DAC_READ_SEARCH is not in the set a container starts with and Fargate cannot add it; DAC_OVERRIDE covers it.
KEPT_CAPABILITIES = (
    ecs.Capability.CHOWN,
    ecs.Capability.DAC_OVERRIDE,
    ecs.Capability.FOWNER,
    ecs.Capability.FSETID,
    ecs.Capability.KILL,
    ecs.Capability.SETGID,
    ecs.Capability.SETUID,
)
# The rest of Docker's default set (Fargate's too), which neither the runner nor a job needs: no raw sockets, device
# nodes, chroot, low ports or capability juggling.
DROPPED_CAPABILITIES = (
    ecs.Capability.AUDIT_WRITE,
    ecs.Capability.MKNOD,
    ecs.Capability.NET_BIND_SERVICE,
    ecs.Capability.NET_RAW,
    ecs.Capability.SETFCAP,
    ecs.Capability.SETPCAP,
    ecs.Capability.SYS_CHROOT,
)


def image_context_exclude() -> list[str]:
    """Docker-ignore patterns that keep only `shared/`, `runner/` and `requirements/` in the build context."""
    return ["*", *(f"!{folder}" for folder in IMAGE_CONTEXT_FOLDERS), *IMAGE_CONTEXT_EXCLUDED]


def sandbox_environment() -> dict[str, str]:
    """The runner's sandbox settings (shared.settings): a uid per job, where its folders live, how many uids."""
    return {Env.SANDBOX: SANDBOX_MODE, Env.SANDBOX_DIR: SANDBOX_DIR, Env.SANDBOX_SLOTS: str(SANDBOX_SLOTS)}


def capacity_strategy(*, min_capacity: int, spot_percent: int) -> list[ecs.CapacityProviderStrategy] | None:
    """Where the service's tasks run: None (on-demand Fargate, the launch type) unless some go to Fargate Spot.

    The first `min_capacity` tasks are on-demand (`base`), so a floor the stage pays for is never taken back; of
    the tasks the queue depth or the working hours add, `spot_percent` in a hundred go to Spot (by weight).
    """
    if spot_percent <= 0:
        return None
    return [
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=min_capacity, weight=100 - spot_percent),
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=spot_percent),
    ]


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
    """Task definition, service and queue-depth scaling; the stack grants the task role its data access.

    Ephemeral storage is Fargate's default 20 GiB: the image, and the workspaces, homes and transcripts of the
    jobs in hand under the sandbox directory.
    """

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
        warm_sessions: int = 0,
        working_hours: tuple[int, int] = (8, 18),
        working_hours_capacity: int = 0,
        spot_percent: int = 0,
        image: ecs.ContainerImage | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if concurrency + warm_sessions > SANDBOX_SLOTS:
            raise ValueError(
                f"a runner task has {SANDBOX_SLOTS} pool uids: one per running job and one per warm session"
            )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            enable_fargate_capacity_providers=spot_percent > 0,
        )
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
            environment={**environment, **sandbox_environment()},
            secrets={name: ecs.Secret.from_secrets_manager(secret) for name, secret in secrets.items()},
            logging=ecs.LogDrivers.aws_logs(stream_prefix="runner", log_group=self.log_group),
            stop_timeout=STOP_TIMEOUT,
            essential=True,
            linux_parameters=self._linux_parameters(),
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=min_capacity,
            capacity_provider_strategies=capacity_strategy(min_capacity=min_capacity, spot_percent=spot_percent),
            assign_public_ip=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[security_group],
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            min_healthy_percent=0 if min_capacity == 0 else 100,
            max_healthy_percent=200,
        )
        scaling = self._scale_on_queue_depth(queue, min_capacity, max_capacity, concurrency)
        if working_hours_capacity > min_capacity:
            self._keep_tasks_in_working_hours(scaling, working_hours, working_hours_capacity, min_capacity)
        self._allow_task_protection()
        self._acknowledge_findings()

    def _linux_parameters(self) -> ecs.LinuxParameters:
        """Root with only the capabilities the sandbox uses (Fargate may drop any; it adds none but SYS_PTRACE)."""
        parameters = ecs.LinuxParameters(self, "LinuxParameters")
        parameters.drop_capabilities(*DROPPED_CAPABILITIES)
        return parameters

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

    def _scale_on_queue_depth(
        self, queue: sqs.IQueue, min_capacity: int, max_capacity: int, concurrency: int
    ) -> ecs.ScalableTaskCount:
        scaling = self.service.auto_scale_task_count(min_capacity=min_capacity, max_capacity=max_capacity)
        scaling.scale_on_metric(
            "QueueDepth",
            metric=self.backlog_metric(queue),
            scaling_steps=scaling_steps(max_capacity=max_capacity, concurrency=concurrency),
            adjustment_type=autoscaling.AdjustmentType.EXACT_CAPACITY,
            cooldown=cdk.Duration.minutes(1),
            evaluation_periods=1,
        )
        return scaling

    @staticmethod
    def _keep_tasks_in_working_hours(
        scaling: ecs.ScalableTaskCount, hours: tuple[int, int], capacity: int, min_capacity: int
    ) -> None:
        """A warm floor on weekdays (UTC): the first message of the day finds a running task instead of waiting
        for one to start (about a minute on Fargate); the queue-depth steps still add tasks above it."""
        start, end = hours
        scaling.scale_on_schedule(
            "WorkingHoursStart",
            schedule=autoscaling.Schedule.cron(minute="0", hour=str(start), week_day="MON-FRI"),
            min_capacity=capacity,
        )
        scaling.scale_on_schedule(
            "WorkingHoursEnd",
            schedule=autoscaling.Schedule.cron(minute="0", hour=str(end % 24), week_day="MON-FRI"),
            min_capacity=min_capacity,
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
