"""cdk-nag AwsSolutions (v3, a CDK policy-validation plugin): no unacknowledged finding anywhere in the stack."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match
from cdk_nag import AwsSolutionsChecks

from infra.nag import acknowledge, flatten

pytestmark = pytest.mark.infra


def test_the_app_synthesized_with_no_aws_solutions_violation(synthesized):
    # Synthesis would have raised on a finding; the report it wrote must list none either.
    report = json.loads((synthesized.assembly_dir / "validation-report.json").read_text())
    violations = [
        violation["ruleName"]
        for plugin in report["pluginReports"]
        for violation in plugin.get("violations", [])
        if violation["ruleName"].startswith("AwsSolutions-")
    ]

    assert violations == []


def test_the_pack_finds_nothing_in_the_stack(synthesized):
    report = AwsSolutionsChecks(verbose=True).validate_scope(synthesized.stack)

    assert [violation.rule_name for violation in report.violations] == []
    assert report.success


def test_no_annotation_errors_and_no_aws_solutions_warnings(synthesized):
    annotations = Annotations.from_stack(synthesized.stack)

    annotations.has_no_error("*", Match.any_value())
    annotations.has_no_warning("*", Match.string_like_regexp("AwsSolutions-.*"))


def test_the_pack_is_not_vacuous():
    # Given a bucket with no logging, TLS policy or encryption settings, the same pack reports findings;
    # and an acknowledgement with a reason silences exactly the acknowledged rule.
    stack = cdk.Stack(cdk.App(), "Probe")
    bucket = s3.Bucket(stack, "Bucket")

    before = {v.rule_name for v in AwsSolutionsChecks().validate_scope(stack).violations}
    acknowledge(bucket, {"AwsSolutions-S1": "probe"})
    after = {v.rule_name for v in AwsSolutionsChecks().validate_scope(stack).violations}

    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= before
    assert after == before - {"AwsSolutions-S1"}


def test_every_acknowledgement_has_a_specific_reason(synthesized):
    # Acknowledgements live in construct metadata; each carries a sentence, not a placeholder.
    reasons = {}
    for construct in synthesized.stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                reasons.update(entry.data)

    assert any("AwsSolutions-IAM5" in rule for rule in reasons)
    for rule, reason in reasons.items():
        assert len(reason) >= 40, (rule, reason)


ACCOUNT, REGION = "123456789012", "eu-west-1"


@pytest.fixture(scope="module")
def prod_in_an_account(synthesize_into):
    # An environment-bound stack renders ARNs with literal partition and region: acknowledgements must still match.
    return synthesize_into(
        stage="prod",
        account=ACCOUNT,
        region=REGION,
        runnerMinCapacity="1",
        runnerMaxCapacity="5",
        **{f"availability-zones:account={ACCOUNT}:region={REGION}": [f"{REGION}a", f"{REGION}b"]},
    )


def test_an_account_bound_prod_stage_is_clean_too(prod_in_an_account):
    report = AwsSolutionsChecks().validate_scope(prod_in_an_account.stack)

    assert [violation.rule_name for violation in report.violations] == []
    assert prod_in_an_account.stack.config.stage == "prod"


def test_prod_keeps_one_warm_runner_when_asked(prod_in_an_account):
    prod_in_an_account.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 1, "MaxCapacity": 5}
    )
    prod_in_an_account.template.has_resource_properties(
        "AWS::ECS::Service",
        {"DesiredCount": 1, "DeploymentConfiguration": Match.object_like({"MinimumHealthyPercent": 100})},
    )
    prod_in_an_account.template.has_resource_properties(
        "AWS::S3::Bucket", {"BucketName": f"sasha-studio-prod-files-{ACCOUNT}-{REGION}"}
    )


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ({"Fn::Join": ["", [{"Fn::GetAtt": ["Table", "Arn"]}, "/index/*"]]}, "<Table.Arn>/index/*"),
        ({"Fn::Sub": "cdk-assets-${AWS::AccountId}-${AWS::Region}/*"}, "cdk-assets-<AWS::AccountId>-<AWS::Region>/*"),
        ({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "ecs"]]}, "arn:<AWS::Partition>:ecs"),
        ("*", "*"),
    ],
)
def test_findings_are_rendered_as_cdk_nag_renders_them(value, rendered):
    assert flatten(value) == rendered
