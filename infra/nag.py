"""cdk-nag (v3) acknowledgements: `Validations.of(scope).acknowledge(...)`, one rule or finding each, with a reason.

cdk-nag 3 runs as a CDK policy-validation plugin; a finding that is not acknowledged fails synthesis. Rules with
several findings per resource (IAM5 wildcards, IAM4 managed policies) are acknowledged finding by finding as
`RuleId[Finding]`, so acknowledging one wildcard never hides another. The wildcard findings of a grant are
derived from the statements the grant produced, rendered the way cdk-nag renders them, so they stay exact whether
the stack is environment-agnostic or bound to an account and region.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import IConstruct

PACK = "AwsSolutions"
LAMBDA_BASIC_EXECUTION = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def acknowledge(scope: IConstruct, findings: Mapping[str, str]) -> None:
    """Acknowledge rule ids (e.g. `AwsSolutions-S1` or `AwsSolutions-IAM5[Resource::*]`) on scope and below."""
    cdk.Validations.of(scope).acknowledge(
        *(cdk.Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in findings.items())
    )


def wildcard(finding: str) -> str:
    """The id of one IAM5 finding, e.g. `Resource::<Table.Arn>/index/*` or `Action::s3:GetObject*`."""
    return f"{PACK}-IAM5[{finding}]"


def flatten(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag prints it: `<Logical.Arn>`, `<AWS::Region>`, joined strings."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return delimiter.join(flatten(item) for item in items)
        if "Fn::Sub" in value:
            return flatten(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def resource_wildcard(scope: IConstruct, arn: str) -> str:
    """The IAM5 rule id for one resource ARN (tokens allowed) as cdk-nag renders it in this stack."""
    return wildcard(f"Resource::{flatten(cdk.Stack.of(scope).resolve(arn))}")


def wildcard_findings(statements: Iterable[Mapping[str, Any]]) -> list[str]:
    """The IAM5 findings (`Action::...`, `Resource::...`) that resolved Allow statements raise."""
    findings: list[str] = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        findings += [f"Action::{action}" for action in _as_list(statement.get("Action")) if "*" in action]
        rendered = (flatten(resource) for resource in _as_list(statement.get("Resource")))
        findings += [f"Resource::{resource}" for resource in rendered if "*" in resource]
    return list(dict.fromkeys(findings))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def acknowledge_grant(role: IConstruct, grant: iam.Grant, reason: str) -> None:
    """Acknowledge the wildcards of one grant on the role that received it, with the reason they are needed."""
    stack = cdk.Stack.of(role)
    statements = [stack.resolve(statement.to_statement_json()) for statement in grant.principal_statements]
    findings = wildcard_findings(statements)
    if findings:
        acknowledge(role, {wildcard(finding): reason for finding in findings})


def cdk_singletons(scope: IConstruct, id_prefix: str) -> list[IConstruct]:
    """Stack-level singletons that CDK adds for a construct (custom-resource handlers), found by id prefix."""
    stack = cdk.Stack.of(scope)
    return [child for child in stack.node.children if child.node.id.startswith(id_prefix)]


def acknowledge_singleton_policies(singleton: IConstruct, reason: str) -> None:
    """Acknowledge the wildcards in the policies of a CDK-owned singleton (its statements are CDK's choice)."""
    stack = cdk.Stack.of(singleton)
    for construct in singleton.node.find_all():
        if isinstance(construct, iam.Policy):
            document = stack.resolve(construct.document) or {}
            findings = wildcard_findings(document.get("Statement", []))
            if findings:
                acknowledge(construct, {wildcard(finding): reason for finding in findings})
