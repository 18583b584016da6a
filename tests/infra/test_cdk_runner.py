"""The runner: Fargate arm64 in public subnets (no NAT), queue-depth step scaling, secrets, task protection,
root with a reduced capability set and a uid per job (the sandbox), and the image built from what it copies."""

from __future__ import annotations

import shlex
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Capture, Match

from infra.config import REPO_ROOT
from infra.constructs.runner import (
    DROPPED_CAPABILITIES,
    IMAGE_CONTEXT_EXCLUDED,
    IMAGE_CONTEXT_FOLDERS,
    KEPT_CAPABILITIES,
    RUNNER_COMMAND,
    RUNNER_DOCKERFILE,
    SANDBOX_SLOTS,
    Runner,
    capacity_strategy,
    image_context_exclude,
    scaling_steps,
)
from infra.stack import ANTHROPIC_API_KEY
from shared.constants import Env

pytestmark = pytest.mark.infra

# The capabilities a Docker (and Fargate) container starts with.
DOCKER_DEFAULT_CAPABILITIES = {
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
}


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined and comments left out."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            pending = ""
    return instructions


def _image_environment(dockerfile: Path) -> dict[str, str]:
    return dict(
        token.split("=", 1)
        for keyword, arguments in _instructions(dockerfile)
        if keyword == "ENV"
        for token in shlex.split(arguments)
    )


def _copied_sources(dockerfile: Path) -> list[str]:
    """What the COPY instructions take from the build context (flags and destinations left out)."""
    sources: list[str] = []
    for keyword, arguments in _instructions(dockerfile):
        if keyword == "COPY":
            *paths, _destination = [token for token in shlex.split(arguments) if not token.startswith("--")]
            sources.extend(paths)
    return sources


def _container(synthesized) -> dict:
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition").values()
    return task["Properties"]["ContainerDefinitions"][0]


def _stack_with_a_vpc(outdir: Path) -> tuple[cdk.App, cdk.Stack, ec2.Vpc]:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "ImageContext")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        nat_gateways=0,
        max_azs=1,
        subnet_configuration=[ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    return app, stack, vpc


def test_runner_is_a_fargate_arm64_task_running_the_worker(template):
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "RequiresCompatibilities": ["FARGATE"],
            "RuntimePlatform": {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Command": list(RUNNER_COMMAND),
                        "StopTimeout": 120,
                        "LogConfiguration": Match.object_like({"LogDriver": "awslogs"}),
                    }
                )
            ],
        },
    )


def test_anthropic_key_is_a_container_secret_not_a_plain_variable(template, synthesized):
    secret = Capture()
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {"ContainerDefinitions": [Match.object_like({"Secrets": [{"Name": ANTHROPIC_API_KEY, "ValueFrom": secret}]})]},
    )
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition").values()
    environment = task["Properties"]["ContainerDefinitions"][0]["Environment"]

    assert synthesized.template_json["Resources"][secret.as_object()["Ref"]]["Type"] == "AWS::SecretsManager::Secret"
    assert ANTHROPIC_API_KEY not in {variable["Name"] for variable in environment}
    assert {"Name": "STUDIO_MODE", "Value": "aws"} in environment


def test_service_runs_in_public_subnets_with_a_public_ip_and_there_is_no_nat(template, synthesized):
    template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "LaunchType": "FARGATE",
            "DesiredCount": synthesized.stack.config.runner_min_capacity,
            "NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "ENABLED"})},
        },
    )
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    for subnet in synthesized.resources("AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is True
    # Free gateway endpoints keep S3 and DynamoDB traffic inside AWS.
    template.resource_count_is("AWS::EC2::VPCEndpoint", 2)


def test_runner_security_group_accepts_no_inbound_traffic(synthesized):
    for group in synthesized.resources("AWS::EC2::SecurityGroup").values():
        assert not group["Properties"].get("SecurityGroupIngress")
    assert not synthesized.resources("AWS::EC2::SecurityGroupIngress")


def test_capacity_comes_from_the_stage_config(template, synthesized):
    config = synthesized.stack.config
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MinCapacity": config.runner_min_capacity,
            "MaxCapacity": config.runner_max_capacity,
            "ScalableDimension": "ecs:service:DesiredCount",
        },
    )
    assert config.runner_min_capacity == 0


def test_one_waiting_or_running_job_starts_a_task(template, synthesized):
    # The upper alarm watches visible + in-flight messages of the jobs queue and fires at one message.
    queue = next(
        logical_id
        for logical_id, queue in synthesized.resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue["Properties"]
    )
    queue_dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1,
            "Metrics": Match.array_with(
                [
                    Match.object_like({"Expression": "visible + inflight"}),
                    Match.object_like(
                        {
                            "MetricStat": Match.object_like(
                                {
                                    "Metric": {
                                        "Namespace": "AWS/SQS",
                                        "MetricName": "ApproximateNumberOfMessagesVisible",
                                        "Dimensions": queue_dimension,
                                    }
                                }
                            )
                        }
                    ),
                    Match.object_like(
                        {
                            "MetricStat": Match.object_like(
                                {
                                    "Metric": {
                                        "Namespace": "AWS/SQS",
                                        "MetricName": "ApproximateNumberOfMessagesNotVisible",
                                        "Dimensions": queue_dimension,
                                    }
                                }
                            )
                        }
                    ),
                ]
            ),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "StepScaling",
            "StepScalingPolicyConfiguration": Match.object_like(
                {
                    "AdjustmentType": "ExactCapacity",
                    "StepAdjustments": Match.array_with(
                        [
                            {
                                "MetricIntervalLowerBound": 0,
                                "MetricIntervalUpperBound": Match.any_value(),
                                "ScalingAdjustment": 1,
                            }
                        ]
                    ),
                }
            ),
        },
    )


def test_an_empty_queue_scales_to_the_minimum(template):
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "StepScalingPolicyConfiguration": Match.object_like(
                {
                    "AdjustmentType": "ExactCapacity",
                    "StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": 0}],
                }
            )
        },
    )


def test_scaling_steps_add_a_task_per_concurrency_worth_of_jobs():
    steps = scaling_steps(max_capacity=3, concurrency=4)

    assert [(s.lower, s.upper, s.change) for s in steps] == [(None, 0, 0), (1, None, 1), (5, None, 2), (9, None, 3)]


def test_scaling_steps_stay_few_for_a_large_maximum():
    steps = scaling_steps(max_capacity=50, concurrency=2)

    assert len(steps) <= 9
    assert steps[-1].change == 50


def test_the_runner_may_protect_its_own_tasks_from_scale_in(synthesized):
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition").values()
    statements = synthesized.role_statements(task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0])
    protection = [s for s in statements if "ecs:UpdateTaskProtection" in synthesized.as_list(s["Action"])]
    cluster = next(iter(synthesized.resources("AWS::ECS::Cluster")))

    assert len(protection) == 1
    assert sorted(synthesized.as_list(protection[0]["Action"])) == ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"]
    assert synthesized.referenced_ids(protection[0]["Resource"]) == {cluster}


def test_runner_image_is_built_from_the_repository(synthesized):
    if not (REPO_ROOT / RUNNER_DOCKERFILE).is_file():
        pytest.skip("runner/Dockerfile is not written yet; the session synthesized with a placeholder image")
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition").values()
    image = task["Properties"]["ContainerDefinitions"][0]["Image"]

    # An image asset: the CDK assets repository of the bootstrapped account, tagged by content hash.
    assert "Fn::Sub" in image
    assert "container-assets" in image["Fn::Sub"]


def test_image_context_holds_only_shared_runner_and_requirements(tmp_path):
    # Given a repository with a virtualenv, web/ and tests beside the runner's folders,
    # when the runner image is staged (no Docker involved), then only shared/, runner/ and requirements/ remain.
    repo = tmp_path / "repo"
    for relative in (
        "shared/__init__.py",
        "shared/models/base.py",
        "runner/__main__.py",
        "runner/Dockerfile",
        "runner/package.json",
        "runner/node_modules/@anthropic-ai/claude-code/cli.js",
        "requirements/runtime.txt",
        "requirements/runner.txt",
        ".venv/lib/big.py",
        "web/node_modules/preact/index.js",
        "tests/test_x.py",
        "shared/__pycache__/x.cpython-312.pyc",
        "cdk.json",
    ):
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    app, stack, vpc = _stack_with_a_vpc(tmp_path / "out")

    Runner(
        stack,
        "Runner",
        repo_root=repo,
        vpc=vpc,
        security_group=ec2.SecurityGroup(stack, "Sg", vpc=vpc),
        queue=sqs.Queue(stack, "Queue"),
        environment={},
        secrets={},
        min_capacity=0,
        max_capacity=1,
        concurrency=1,
        cpu=256,
        memory_mib=512,
    )
    assembly = app.synth()

    (context,) = [path for path in (tmp_path / "out").iterdir() if path.name.startswith("asset.") and path.is_dir()]
    staged = sorted(str(path.relative_to(context)) for path in context.rglob("*") if path.is_file())
    assert staged == [
        "requirements/runner.txt",
        "requirements/runtime.txt",
        "runner/Dockerfile",
        "runner/__main__.py",
        "runner/package.json",
        "shared/__init__.py",
        "shared/models/base.py",
    ]
    assert assembly.get_stack_by_name("ImageContext")
    assert image_context_exclude()[0] == "*"


def test_everything_the_dockerfile_copies_is_in_the_image_context():
    # Given the COPY instructions of runner/Dockerfile, each source lies in a folder the context keeps,
    # and none is one the context leaves out (the requirements/ folder above all: the image installs from it).
    sources = _copied_sources(REPO_ROOT / RUNNER_DOCKERFILE)

    assert "requirements" in IMAGE_CONTEXT_FOLDERS
    assert {"requirements/runtime.txt", "requirements/runner.txt"} <= set(sources)
    for source in sources:
        assert source.split("/")[0] in IMAGE_CONTEXT_FOLDERS, source
        assert not any(source.startswith(excluded) for excluded in IMAGE_CONTEXT_EXCLUDED), source


def test_what_the_dockerfile_copies_and_runs_exists():
    # A missing file would only show when `cdk deploy` builds the image.
    copied = _copied_sources(REPO_ROOT / RUNNER_DOCKERFILE)
    missing = [source for source in copied if not (REPO_ROOT / source).exists()]

    assert missing == []
    assert (REPO_ROOT / "runner/sandbox/__main__.py").is_file()  # `python -m runner.sandbox install`


def test_the_runner_keeps_only_the_capabilities_the_sandbox_uses(template):
    # Given the runner's container, then Docker's default capabilities minus those it drops are the ones kept,
    # and it adds none (Fargate could add SYS_PTRACE only; a job uid must not trace other processes).
    dropped = Capture()
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {"ContainerDefinitions": [Match.object_like({"LinuxParameters": {"Capabilities": {"Drop": dropped}}})]},
    )
    kept = {str(capability.value) for capability in KEPT_CAPABILITIES}

    assert set(dropped.as_array()) == {
        "AUDIT_WRITE",
        "MKNOD",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "SETFCAP",
        "SETPCAP",
        "SYS_CHROOT",
    }
    assert set(dropped.as_array()) == {str(capability.value) for capability in DROPPED_CAPABILITIES}
    assert kept == {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID"}
    assert kept | set(dropped.as_array()) == DOCKER_DEFAULT_CAPABILITIES
    assert not kept & set(dropped.as_array())


def test_the_runner_is_told_to_run_each_job_under_a_uid_of_its_own(template):
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Environment": Match.array_with(
                            [
                                {"Name": Env.SANDBOX, "Value": "uid"},
                                {"Name": Env.SANDBOX_DIR, "Value": "/sandbox"},
                                {"Name": Env.SANDBOX_SLOTS, "Value": str(SANDBOX_SLOTS)},
                            ]
                        )
                    }
                )
            ]
        },
    )


def test_the_image_sets_up_the_same_sandbox_the_task_is_told_about(synthesized):
    # Given the image's ENV and the task's environment, the sandbox values agree, so the pool users the image
    # creates are the ones the runner expects; the data folder is the runner's own.
    image = _image_environment(REPO_ROOT / RUNNER_DOCKERFILE)
    task = {variable["Name"]: variable["Value"] for variable in _container(synthesized)["Environment"]}

    for name in (Env.SANDBOX, Env.SANDBOX_DIR, Env.SANDBOX_SLOTS):
        assert image[name] == task[name], name
    assert image[Env.DATA_DIR] == "/var/lib/sasha-studio"
    assert not image[Env.DATA_DIR].startswith(image[Env.SANDBOX_DIR])


def test_the_image_runs_the_runner_as_root_with_a_pool_of_job_users_and_no_setuid_binaries():
    instructions = _instructions(REPO_ROOT / RUNNER_DOCKERFILE)
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")

    assert "USER" not in {keyword for keyword, _ in instructions}
    assert 'python -m runner.sandbox install --slots "$STUDIO_SANDBOX_SLOTS"' in runs
    assert 'install -d -m 0700 "$STUDIO_DATA_DIR"' in runs
    assert "find / -xdev -perm /6000 -type f -exec chmod a-s {} +" in runs
    assert "pip install -r requirements/runner.txt" in runs
    # The binaries are stripped after everything is installed, the pool users included.
    last_run = [arguments for keyword, arguments in instructions if keyword == "RUN"][-1]
    assert "chmod a-s" in last_run


def test_a_task_never_runs_more_jobs_than_it_has_job_uids(tmp_path):
    _app, stack, vpc = _stack_with_a_vpc(tmp_path / "out")

    with pytest.raises(ValueError, match="one per running job and one per warm session"):
        Runner(
            stack,
            "Runner",
            repo_root=tmp_path,
            vpc=vpc,
            security_group=ec2.SecurityGroup(stack, "Sg", vpc=vpc),
            queue=sqs.Queue(stack, "Queue"),
            environment={},
            secrets={},
            min_capacity=0,
            max_capacity=1,
            concurrency=SANDBOX_SLOTS + 1,
            cpu=256,
            memory_mib=512,
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12-slim"),
        )


def test_a_runner_task_keeps_warm_sessions_within_what_its_running_jobs_leave_of_its_memory(synthesized):
    config = synthesized.stack.config
    environment = _runner_environment(synthesized)
    left = config.runner_memory_mib - config.runner_concurrency * 250 - 400
    assert environment[Env.WARM_SESSIONS] == str(config.runner_warm_sessions)
    assert environment[Env.WARM_MEMORY_MB] == str(left)
    assert left > 0 and config.runner_warm_sessions + config.runner_concurrency <= 16  # a pool uid each


def test_no_task_is_kept_outside_a_working_hours_floor_unless_the_stage_asks(template, synthesize_into):
    assert not template.find_resources(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"Properties": {"ScheduledActions": Match.any_value()}}
    )

    variant = synthesize_into(runnerWorkingHoursCapacity="1", runnerWorkingHoursStart="7", runnerWorkingHoursEnd="19")

    actions = Capture()
    variant.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"ScheduledActions": actions}
    )
    by_name = {action["ScheduledActionName"]: action for action in actions.as_array()}
    start, end = by_name["WorkingHoursStart"], by_name["WorkingHoursEnd"]
    assert (start["Schedule"], start["ScalableTargetAction"]) == ("cron(0 7 ? * MON-FRI *)", {"MinCapacity": 1})
    assert (end["Schedule"], end["ScalableTargetAction"]) == ("cron(0 19 ? * MON-FRI *)", {"MinCapacity": 0})


def _runner_environment(synthesized) -> dict[str, str]:
    [task] = synthesized.template.find_resources("AWS::ECS::TaskDefinition").values()
    [container] = task["Properties"]["ContainerDefinitions"]
    return {pair["Name"]: pair.get("Value") for pair in container["Environment"]}


def test_every_task_is_on_demand_unless_the_stage_asks_for_spot(template, synthesized):
    [service] = synthesized.resources("AWS::ECS::Service").values()
    assert service["Properties"]["LaunchType"] == "FARGATE"
    assert "CapacityProviderStrategy" not in service["Properties"]
    template.resource_count_is("AWS::ECS::ClusterCapacityProviderAssociations", 0)


def test_spot_takes_its_share_of_the_tasks_above_an_on_demand_floor(synthesize_into):
    variant = synthesize_into(runnerSpotPercent="70", runnerMinCapacity="1")

    variant.template.has_resource_properties(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {"CapacityProviders": Match.array_with(["FARGATE", "FARGATE_SPOT"])},
    )
    [service] = variant.resources("AWS::ECS::Service").values()
    assert "LaunchType" not in service["Properties"]  # the strategy decides, task by task
    assert service["Properties"]["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 30},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 70},
    ]


@pytest.mark.parametrize(("percent", "weights"), [(0, None), (100, {"FARGATE": 0, "FARGATE_SPOT": 100})])
def test_spot_percent_at_its_bounds(percent, weights):
    strategy = capacity_strategy(min_capacity=2, spot_percent=percent)

    if weights is None:
        assert strategy is None
    else:
        assert strategy is not None
        assert {item.capacity_provider: item.weight for item in strategy} == weights
        assert [item.base for item in strategy] == [2, None]  # the floor stays on-demand even then
