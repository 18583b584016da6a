"""Least privilege: each principal gets what its code uses, on ARNs (never `*` where a resource can be named)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.constructs.api import API_HANDLER
from infra.constructs.ingest import INGEST_HANDLER
from infra.constructs.scheduler import TICK_HANDLER
from infra.constructs.secrets import ENVELOPE_ACTIONS, UNSEAL_ACTIONS
from infra.constructs.websocket import CONNECT_HANDLER, DEFAULT_HANDLER, DISCONNECT_HANDLER

pytestmark = pytest.mark.infra

HANDLERS = (API_HANDLER, CONNECT_HANDLER, DISCONNECT_HANDLER, DEFAULT_HANDLER, TICK_HANDLER, INGEST_HANDLER)
# The only actions AWS offers no resource-level permission for, among those the stack grants.
UNSCOPABLE_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ecr:GetAuthorizationToken",
    "cloudfront:CreateInvalidation",
    "cloudfront:GetInvalidation",
    "transcribe:StartStreamTranscriptionWebSocket",
}
DYNAMODB_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
# What the runner's code (runner/ and the shared modules it calls) writes and reads; nothing else.
RUNNER_WRITES = {
    "jobs",
    "sessions",
    "raw_exchanges",
    "session_events",
    "connections",
    "quality_signals",
    "usage_events",
    "usage_aggregates",
    "budgets",
    "rate_limits",
    "executions",
    "schedules",
    "integration_runs",
    "file_trees",
    "company_profiles",
    "research_events",
    "research_documents",
    "prompt_versions",
    "cloud_mounts",
    "cloud_credentials",
    "cloud_connections",
    "meetings",
    "runner_leases",
}
RUNNER_READS = {
    "projects", "project_members", "users", "api_keys", "personas", "guides", "bedrock_config", "git_remotes",
    "cloud_providers", "settings", "transcript_segments",
}  # fmt: skip
RUNNER_OBJECT_ACTIONS = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}


def _all_statements(synthesized) -> list[dict[str, Any]]:
    statements = []
    for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy in synthesized.resources(policy_type).values():
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _actions(synthesized, statement) -> set[str]:
    return set(synthesized.as_list(statement["Action"]))


def _table_names(synthesized, statements, *, writes_only: bool = False) -> set[str]:
    """Logical table names that dynamodb statements of a principal touch."""
    by_id = {logical_id: name for name, logical_id in synthesized.tables_by_name().items()}
    prefix = synthesized.stack.config.table_prefix
    names = set()
    for statement in statements:
        actions = _actions(synthesized, statement)
        if not any(action.startswith("dynamodb:") for action in actions):
            continue
        if writes_only and not actions & DYNAMODB_WRITES:
            continue
        names |= {
            by_id[i].removeprefix(prefix) for i in synthesized.referenced_ids(statement["Resource"]) if i in by_id
        }
    return names


def _services(synthesized, statements) -> set[str]:
    return {action.split(":")[0] for statement in statements for action in _actions(synthesized, statement)}


def _runner_statements(synthesized) -> list[dict[str, Any]]:
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition").values()
    return synthesized.role_statements(task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0])


def test_no_statement_grants_a_resource_wildcard_except_for_unscopable_actions(synthesized):
    for statement in _all_statements(synthesized):
        if statement["Effect"] == "Allow" and "*" in synthesized.as_list(statement["Resource"]):
            assert _actions(synthesized, statement) <= UNSCOPABLE_ACTIONS, statement


def test_dynamodb_statements_name_table_arns_only(synthesized):
    # Given every DynamoDB statement, then each resource is a table ARN or that table's index pattern.
    tables = set(synthesized.tables_by_name().values())
    found = 0
    for statement in _all_statements(synthesized):
        if not any(action.startswith("dynamodb:") for action in _actions(synthesized, statement)):
            continue
        found += 1
        for resource in synthesized.as_list(statement["Resource"]):
            assert resource != "*"
            assert synthesized.referenced_ids(resource) <= tables, resource
            assert synthesized.referenced_ids(resource), resource
            if isinstance(resource, dict) and "Fn::Join" in resource:
                assert resource["Fn::Join"][1][-1] == "/index/*", resource
    assert found


def test_manage_connections_is_scoped_to_the_websocket_api(synthesized):
    websocket_api = next(iter(synthesized.resources("AWS::ApiGatewayV2::Api")))
    statements = [
        statement
        for statement in _all_statements(synthesized)
        if "execute-api:ManageConnections" in _actions(synthesized, statement)
    ]

    assert statements
    for statement in statements:
        for resource in synthesized.as_list(statement["Resource"]):
            assert synthesized.referenced_ids(resource) == {websocket_api}
            assert resource["Fn::Join"][1][-1].endswith("/@connections/*")


def test_only_ws_default_the_api_and_the_runner_manage_connections(synthesized):
    posting = {
        handler
        for handler in HANDLERS
        if "execute-api" in _services(synthesized, synthesized.function_statements(handler))
    }
    runner = _runner_statements(synthesized)

    # The api closes a deleted user's connections; ws_default and the runner post events.
    assert posting == {DEFAULT_HANDLER, API_HANDLER}
    assert "execute-api" in _services(synthesized, runner)


def test_only_api_and_ws_connect_read_the_jwt_secret(synthesized):
    jwt_secret = next(
        logical_id
        for logical_id, secret in synthesized.resources("AWS::SecretsManager::Secret").items()
        if secret["Properties"]["Name"].endswith("jwt-signing-key")
    )
    readers = {
        handler
        for handler in HANDLERS
        for statement in synthesized.function_statements(handler)
        if "secretsmanager:GetSecretValue" in _actions(synthesized, statement)
        and jwt_secret in synthesized.referenced_ids(statement["Resource"])
    }

    assert readers == {API_HANDLER, CONNECT_HANDLER}


def test_envelope_key_use_is_limited_to_api_and_runner(synthesized):
    users = {
        handler for handler in HANDLERS if "kms" in _services(synthesized, synthesized.function_statements(handler))
    }
    api = [s for s in synthesized.function_statements(API_HANDLER) if "kms" in _services(synthesized, [s])]
    runner = [s for s in _runner_statements(synthesized) if "kms" in _services(synthesized, [s])]

    assert users == {API_HANDLER}
    assert all(_actions(synthesized, s) == set(ENVELOPE_ACTIONS) for s in api)
    # The runner unseals (a callback's signing secret, a drive's tokens) and seals a drive's refreshed tokens.
    assert runner
    assert {a for s in runner for a in _actions(synthesized, s)} == set(ENVELOPE_ACTIONS)
    assert set(UNSEAL_ACTIONS) <= set(ENVELOPE_ACTIONS)


def test_connection_functions_touch_only_what_authentication_needs(synthesized):
    connect = synthesized.function_statements(CONNECT_HANDLER)
    disconnect = synthesized.function_statements(DISCONNECT_HANDLER)

    assert _table_names(synthesized, connect) == {"connections", "users", "api_keys"}
    # An API key's last use is recorded on connect; users are only read.
    assert _table_names(synthesized, connect, writes_only=True) == {"connections", "api_keys"}
    assert _table_names(synthesized, disconnect) == {"connections"}
    assert "s3" not in _services(synthesized, connect + disconnect)
    assert "sqs" not in _services(synthesized, connect + disconnect)


def test_tick_uses_schedules_executions_jobs_due_mounts_and_the_queue_only(synthesized):
    tick = synthesized.function_statements(TICK_HANDLER)

    assert _table_names(synthesized, tick) == {
        "schedules", "executions", "jobs", "cloud_mounts", "cloud_connections", "meetings", "runner_leases",
    }  # fmt: skip
    assert _services(synthesized, tick) == {"dynamodb", "sqs", "logs", "xray"}
    jobs_queue = {a for s in tick if not _runner_queues(s["Resource"]) for a in _actions(synthesized, s)}
    assert "sqs:ReceiveMessage" not in jobs_queue
    assert "sqs:SendMessage" in jobs_queue
    # It empties the queues of runners that died into the jobs queue (shared.jobs.routing), and nothing more there.
    gone_runners = {a for s in tick if _runner_queues(s["Resource"]) for a in _actions(synthesized, s)}
    assert gone_runners == {"sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteQueue"}


def test_ingest_uses_the_workspace_bucket_uploads_and_file_trees_only(synthesized):
    ingest = synthesized.function_statements(INGEST_HANDLER)

    # sqs: only its failure destination (Lambda sends a failed event there with the function's role)
    assert _services(synthesized, ingest) == {"s3", "dynamodb", "sqs", "logs", "xray"}
    assert _table_names(synthesized, ingest) == {"uploads", "file_trees"}
    sqs_actions = {a for s in ingest for a in _actions(synthesized, s) if a.startswith("sqs:")}
    assert sqs_actions <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


def test_api_and_ws_default_reach_every_table_and_send_jobs(synthesized):
    every_table = {name.removeprefix(synthesized.stack.config.table_prefix) for name in synthesized.tables_by_name()}
    for handler in (API_HANDLER, DEFAULT_HANDLER):
        statements = synthesized.function_statements(handler)
        assert _table_names(synthesized, statements, writes_only=True) == every_table, handler
        assert "sqs:SendMessage" in {a for s in statements for a in _actions(synthesized, s)}, handler


def test_the_runner_consumes_jobs_extends_them_and_queues_follow_ups(synthesized):
    runner = _runner_statements(synthesized)
    queue = next(
        logical_id
        for logical_id, queue in synthesized.resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue["Properties"]
    )
    sqs_statements = [s for s in runner if "sqs" in _services(synthesized, [s])]
    actions = {a for s in sqs_statements for a in _actions(synthesized, s)}

    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= actions
    # A finished turn queues an integration run's callback (shared.jobs.enqueue).
    assert "sqs:SendMessage" in actions
    shared = [s for s in sqs_statements if synthesized.referenced_ids(s["Resource"]) == {queue}]
    # Beside the jobs queue: only its own queue and gone runners' (runner/queues.py), by their name's pattern.
    own = [s for s in sqs_statements if s not in shared]
    assert own and all(_runner_queues(s["Resource"]) for s in own)
    own_actions = {a for s in own for a in _actions(synthesized, s)}
    assert {"sqs:CreateQueue", "sqs:DeleteQueue", "sqs:ReceiveMessage", "sqs:SendMessage"} <= own_actions


def test_the_api_sends_a_turn_to_the_runner_keeping_its_session_and_may_do_nothing_else_there(synthesized):
    for handler in (API_HANDLER, DEFAULT_HANDLER):
        statements = synthesized.function_statements(handler)
        own = [s for s in statements if _runner_queues(s["Resource"])]
        assert own, handler
        assert {a for s in own for a in _actions(synthesized, s)} == {"sqs:SendMessage"}, handler


def _runner_queues(resource: object) -> bool:
    """Whether a statement's resource is the pattern of the runners' own queues."""
    return "jobs-r-*" in json.dumps(resource)


def test_the_runner_writes_only_the_tables_its_code_writes(synthesized):
    runner = _runner_statements(synthesized)

    assert _table_names(synthesized, runner, writes_only=True) == RUNNER_WRITES


def test_the_runner_reads_only_the_tables_its_code_reads(synthesized):
    runner = _runner_statements(synthesized)
    every_table = {name.removeprefix(synthesized.stack.config.table_prefix) for name in synthesized.tables_by_name()}

    assert _table_names(synthesized, runner) == RUNNER_WRITES | RUNNER_READS
    # Nothing of accounts administration, uploads or unique claims.
    assert {"password_resets", "uploads", "unique_claims"} <= every_table - (RUNNER_WRITES | RUNNER_READS)


def test_the_runner_reaches_project_files_repositories_and_transcripts_only(synthesized):
    # Given the runner's S3 statements, objects are reachable under projects/<id>/files/, projects/<id>/git/
    # and sessions/ only
    # (never the bucket's uploads/ or cache/); listing the bucket is allowed so a missing key reads as 404.
    bucket = next(
        logical_id
        for logical_id, bucket in synthesized.resources("AWS::S3::Bucket").items()
        if "files-" in str(bucket["Properties"].get("BucketName", ""))
    )
    s3_statements = [s for s in _runner_statements(synthesized) if "s3" in _services(synthesized, [s])]
    listing = [s for s in s3_statements if _actions(synthesized, s) == {"s3:ListBucket"}]
    objects = [s for s in s3_statements if s not in listing]

    assert len(listing) == 1
    assert listing[0]["Resource"] == {"Fn::GetAtt": [bucket, "Arn"]}
    assert "Condition" not in listing[0]
    assert {a for s in objects for a in _actions(synthesized, s)} == RUNNER_OBJECT_ACTIONS
    patterns = set()
    for statement in objects:
        for resource in synthesized.as_list(statement["Resource"]):
            assert synthesized.referenced_ids(resource) == {bucket}, resource
            patterns.add(resource["Fn::Join"][1][-1])
    assert patterns == {"/projects/*/files/*", "/projects/*/git/*", "/sessions/*"}


def _secret_readers(synthesized, secret_logical_prefix: str) -> set[str]:
    """Handlers whose role may read a secret whose logical id starts with the prefix."""
    readers = set()
    for handler in HANDLERS:
        for statement in synthesized.function_statements(handler):
            if "secretsmanager:GetSecretValue" not in _actions(synthesized, statement):
                continue
            if any(i.startswith(secret_logical_prefix) for i in synthesized.referenced_ids(statement["Resource"])):
                readers.add(handler)
    return readers


@pytest.mark.parametrize("secret", ["SecretsSetupToken", "SecretsPostmarkServerToken", "SecretsOriginVerify"])
def test_only_the_api_function_reads_the_setup_token_the_postmark_token_and_cloudfronts_secret(
    synthesized, secret: str
) -> None:
    assert _secret_readers(synthesized, secret) == {API_HANDLER}


def test_the_runner_reads_the_postmark_token_to_email_budget_warnings_and_no_other_account_secret(synthesized):
    readable = {
        logical_id
        for statement in _runner_statements(synthesized)
        if "secretsmanager:GetSecretValue" in _actions(synthesized, statement)
        for logical_id in synthesized.referenced_ids(statement["Resource"])
    }

    assert any(i.startswith("SecretsPostmarkServerToken") for i in readable)
    assert not any(i.startswith(("SecretsSetupToken", "SecretsOriginVerify", "SecretsJwtSigningKey")) for i in readable)


def test_the_api_function_is_told_where_the_account_secrets_and_its_public_url_are(synthesized) -> None:
    variables = synthesized.function(API_HANDLER)["Properties"]["Environment"]["Variables"]

    for name in (
        "STUDIO_SETUP_TOKEN_ARN",
        "STUDIO_POSTMARK_TOKEN_ARN",
        "STUDIO_ORIGIN_VERIFY_SECRET_ARN",
        "STUDIO_PUBLIC_URL",
    ):
        assert name in variables


def test_runner_may_invoke_anthropic_models_on_bedrock_and_nothing_else_there(synthesized):
    bedrock = [s for s in _runner_statements(synthesized) if "bedrock" in _services(synthesized, [s])]
    others = [s for s in _all_statements(synthesized) if "bedrock" in _services(synthesized, [s])]

    assert len(bedrock) == 1 and others == bedrock  # no Lambda may call Bedrock
    (statement,) = bedrock
    assert _actions(synthesized, statement) == {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}
    resources = [json.dumps(resource) for resource in synthesized.as_list(statement["Resource"])]
    assert len(resources) == 2
    assert all("anthropic.*" in resource for resource in resources)
    assert any("foundation-model/anthropic.*" in resource for resource in resources)
    assert any("inference-profile/*anthropic.*" in resource for resource in resources)


def test_runner_reads_the_ai_provider_but_never_writes_it(synthesized):
    runner = _runner_statements(synthesized)

    assert "bedrock_config" in _table_names(synthesized, runner)
    assert "bedrock_config" not in _table_names(synthesized, runner, writes_only=True)
