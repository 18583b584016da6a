"""Synthesize the stack once per session (into a temporary cloud assembly) and share its template."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# jsii prints a banner per process on an end-of-life Node; the tests need no reminder (set before the import).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Template

from infra.app import build_app
from infra.config import REPO_ROOT
from infra.constructs.runner import RUNNER_DOCKERFILE as RUNNER_DOCKERFILE_PATH
from infra.stack import StudioStack

RUNNER_DOCKERFILE = REPO_ROOT / RUNNER_DOCKERFILE_PATH
# Only while runner/Dockerfile is not written yet: the stack cannot stage the runner image without it.
PLACEHOLDER_RUNNER_IMAGE = "public.ecr.aws/docker/library/python:3.12-slim"


@dataclass(frozen=True)
class Synthesized:
    """The synthesized app, its stack and template, with lookups that never hard-code logical ids."""

    app: cdk.App
    stack: StudioStack
    template: Template
    template_json: dict[str, Any]
    assembly_dir: Path
    context: dict[str, Any]

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.template_json["Resources"].items()
            if resource["Type"] == resource_type
        }

    def function_id(self, handler: str) -> str:
        """Logical id of the Lambda function with this handler string."""
        matches = [
            logical_id
            for logical_id, resource in self.resources("AWS::Lambda::Function").items()
            if resource["Properties"].get("Handler") == handler
        ]
        assert len(matches) == 1, f"expected one function with handler {handler}, found {matches}"
        return matches[0]

    def function(self, handler: str) -> dict[str, Any]:
        return self.template_json["Resources"][self.function_id(handler)]

    def role_statements(self, role_logical_id: str) -> list[dict[str, Any]]:
        """Every statement of the inline and managed policies attached to a role."""
        statements: list[dict[str, Any]] = []
        for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for resource in self.resources(policy_type).values():
                if {"Ref": role_logical_id} in resource["Properties"].get("Roles", []):
                    statements.extend(resource["Properties"]["PolicyDocument"]["Statement"])
        return statements

    def function_statements(self, handler: str) -> list[dict[str, Any]]:
        role_logical_id = self.function(handler)["Properties"]["Role"]["Fn::GetAtt"][0]
        return self.role_statements(role_logical_id)

    def tables_by_name(self) -> dict[str, str]:
        """Physical table name → logical id."""
        return {
            resource["Properties"]["TableName"]: logical_id
            for logical_id, resource in self.resources("AWS::DynamoDB::Table").items()
        }

    @staticmethod
    def as_list(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    @staticmethod
    def referenced_ids(value: Any) -> set[str]:
        """Logical ids that a CloudFormation value points at through Ref or Fn::GetAtt (no pseudo parameters)."""
        found: set[str] = set()
        if isinstance(value, dict):
            if isinstance(value.get("Ref"), str) and not value["Ref"].startswith("AWS::"):
                found.add(value["Ref"])
            if "Fn::GetAtt" in value:
                found.add(value["Fn::GetAtt"][0])
            for item in value.values():
                found |= Synthesized.referenced_ids(item)
        elif isinstance(value, list):
            for item in value:
                found |= Synthesized.referenced_ids(item)
        return found


def cdk_json_context() -> dict[str, Any]:
    """The same context `cdk synth` uses (stage defaults and feature flags), from cdk.json."""
    return dict(json.loads((REPO_ROOT / "cdk.json").read_text())["context"])


def synthesize(outdir: Path, **overrides: Any) -> Synthesized:
    """Synthesize the app as `cdk synth` would (cdk.json context plus overrides) into `outdir`."""
    context = {**cdk_json_context(), **overrides}
    app = cdk.App(context=context, outdir=str(outdir))
    runner_image = None
    if not RUNNER_DOCKERFILE.is_file():
        runner_image = ecs.ContainerImage.from_registry(PLACEHOLDER_RUNNER_IMAGE)
    app, stack = build_app(app, runner_image=runner_image)
    assembly = app.synth()
    template = Template.from_stack(stack)
    template_json = json.loads((Path(assembly.directory) / stack.template_file).read_text())
    return Synthesized(app, stack, template, template_json, Path(assembly.directory), context)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    yield synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def synthesize_into(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Synthesize a variant of the app (other stage, account, region) into a fresh temporary directory."""
    return lambda **overrides: synthesize(tmp_path_factory.mktemp("cdk.out.variant"), **overrides)


@pytest.fixture(scope="session")
def template(synthesized: Synthesized) -> Template:
    return synthesized.template
