"""A Lambda function the way every Sasha Studio function runs: python3.12 on arm64, zip, layer, X-Ray, logs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.bundling import UNUSED_BUNDLING_IMAGE, CopyTrees, Tree, fingerprint
from infra.constructs.layer import ARCHITECTURE, RUNTIME
from infra.nag import acknowledge, wildcard

CODE_PACKAGES = ("shared", "functions")
# CloudWatch Logs' retentions and their length in days (RetentionDays names them; CloudFormation takes the days).
_RETENTIONS = (
    (1, logs.RetentionDays.ONE_DAY),
    (3, logs.RetentionDays.THREE_DAYS),
    (5, logs.RetentionDays.FIVE_DAYS),
    (7, logs.RetentionDays.ONE_WEEK),
    (14, logs.RetentionDays.TWO_WEEKS),
    (30, logs.RetentionDays.ONE_MONTH),
    (60, logs.RetentionDays.TWO_MONTHS),
    (90, logs.RetentionDays.THREE_MONTHS),
    (120, logs.RetentionDays.FOUR_MONTHS),
    (150, logs.RetentionDays.FIVE_MONTHS),
    (180, logs.RetentionDays.SIX_MONTHS),
    (365, logs.RetentionDays.ONE_YEAR),
    (400, logs.RetentionDays.THIRTEEN_MONTHS),
    (545, logs.RetentionDays.EIGHTEEN_MONTHS),
    (731, logs.RetentionDays.TWO_YEARS),
    (1096, logs.RetentionDays.THREE_YEARS),
    (1827, logs.RetentionDays.FIVE_YEARS),
    (2192, logs.RetentionDays.SIX_YEARS),
    (2557, logs.RetentionDays.SEVEN_YEARS),
    (2922, logs.RetentionDays.EIGHT_YEARS),
    (3288, logs.RetentionDays.NINE_YEARS),
    (3653, logs.RetentionDays.TEN_YEARS),
)


def code_asset(repo_root: Path) -> lambda_.Code:
    """One zip of `shared/` and `functions/` shared by every function (staged by copying, hashed by content)."""
    trees = [Tree(repo_root / package, package) for package in CODE_PACKAGES]
    return lambda_.Code.from_asset(
        str(repo_root),
        asset_hash=fingerprint(trees, salt="lambda-code"),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        bundling=cdk.BundlingOptions(image=UNUSED_BUNDLING_IMAGE, local=CopyTrees(trees)),
    )


def retention_covering(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch Logs retention that keeps a line at least `days` days (ten years at most)."""
    return next((retention for length, retention in _RETENTIONS if length >= days), logs.RetentionDays.TEN_YEARS)


class StudioFunction(Construct):
    """One Lambda entry point with its own role (no managed policies), log group and X-Ray tracing.

    The role starts with nothing but writing to its own log group; the stack grants the rest.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str],
        description: str,
        memory_mib: int = 512,
        timeout: cdk.Duration | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        snap_start: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{description} (Lambda execution role)",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            handler=handler,
            code=code,
            layers=[layer],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment=dict(environment),
            description=description,
            memory_size=memory_mib,
            timeout=timeout or cdk.Duration.seconds(30),
            tracing=lambda_.Tracing.ACTIVE,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
        )
        acknowledge(
            self,
            {
                wildcard("Resource::*"): (
                    "Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support "
                    "no resource-level permissions; nothing else on this role has a `*` resource (tests/infra)."
                ),
                "AwsSolutions-L1": (
                    "python3.12 is pinned on purpose: the dependency layer's wheels are built for cp312 on arm64 "
                    "(layers/build.py) and the runner image matches; the runtime is raised for all of them at once."
                ),
            },
        )
        if snap_start:
            acknowledge(
                self.function,
                {
                    "Annotation::@aws-cdk/aws-lambda:snapStartRequirePublish": (
                        "SnapStart is used through published versions: the REST API invokes the `live` alias of "
                        "`current_version`, never $LATEST."
                    )
                },
            )

    def add_environment(self, values: Mapping[str, str]) -> None:
        for key, value in values.items():
            self.function.add_environment(key, value)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionDefaults:
    """What every function of the stack shares: the code zip, the dependency layer and the base environment."""

    code: lambda_.Code
    layer: lambda_.ILayerVersion
    environment: Mapping[str, str]

    def function(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        extra_environment: Mapping[str, str] | None = None,
        memory_mib: int = 512,
        timeout: cdk.Duration | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        snap_start: bool = False,
    ) -> StudioFunction:
        return StudioFunction(
            scope,
            construct_id,
            handler=handler,
            code=self.code,
            layer=self.layer,
            environment={**self.environment, **(extra_environment or {})},
            description=description,
            memory_mib=memory_mib,
            timeout=timeout,
            log_retention=log_retention,
            snap_start=snap_start,
        )
