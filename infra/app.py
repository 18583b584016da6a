"""CDK entry point (`cdk.json`: `.venv/bin/python -m infra.app`): one Sasha Studio stack for the context's stage."""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from cdk_nag import AwsSolutionsChecks

from infra.config import StageConfig
from infra.stack import StudioStack
from shared.constants import APP_NAME


def build_app(
    app: cdk.App | None = None, *, runner_image: ecs.ContainerImage | None = None
) -> tuple[cdk.App, StudioStack]:
    """The app with its stack and the cdk-nag AwsSolutions checks applied (tests synthesize the same thing)."""
    app = app or cdk.App()
    config = StageConfig.from_context(app.node.try_get_context)
    stack = StudioStack(
        app,
        config.stack_name,
        config=config,
        runner_image=runner_image,
        description=f"Sasha Studio ({config.stage})",
        # The CDK CLI resolves the target account and region from the caller's credentials.
        env=cdk.Environment(
            account=app.node.try_get_context("account") or os.environ.get("CDK_DEFAULT_ACCOUNT"),
            region=app.node.try_get_context("region") or os.environ.get("CDK_DEFAULT_REGION"),
        ),
    )
    cdk.Tags.of(stack).add("app", APP_NAME)
    cdk.Tags.of(stack).add("stage", config.stage)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
