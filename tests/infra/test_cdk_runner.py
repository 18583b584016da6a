"""The runner: Fargate arm64 in public subnets (no NAT), queue-depth step scaling, secrets, task protection."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Capture, Match

from infra.config import REPO_ROOT
from infra.constructs.runner import RUNNER_COMMAND, RUNNER_DOCKERFILE, Runner, image_context_exclude, scaling_steps
from infra.stack import ANTHROPIC_API_KEY

pytestmark = pytest.mark.infra


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
        ".venv/lib/big.py",
        "web/node_modules/preact/index.js",
        "tests/test_x.py",
        "shared/__pycache__/x.cpython-312.pyc",
        "cdk.json",
    ):
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = cdk.Stack(app, "ImageContext")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        nat_gateways=0,
        max_azs=1,
        subnet_configuration=[ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PUBLIC)],
    )

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
        "requirements/runtime.txt",
        "runner/Dockerfile",
        "runner/__main__.py",
        "runner/package.json",
        "shared/__init__.py",
        "shared/models/base.py",
    ]
    assert assembly.get_stack_by_name("ImageContext")
    assert image_context_exclude()[0] == "*"
