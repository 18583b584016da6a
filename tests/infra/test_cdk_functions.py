"""The Lambda functions: entry points, runtime, architecture, tracing, logs, layer, and a valid environment."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from infra.constructs.api import API_HANDLER
from infra.constructs.ingest import INGEST_HANDLER
from infra.constructs.scheduler import TICK_HANDLER
from infra.constructs.websocket import CONNECT_HANDLER, DEFAULT_HANDLER, DISCONNECT_HANDLER
from shared.constants import Env
from shared.settings import from_env

pytestmark = pytest.mark.infra

HANDLERS = (API_HANDLER, CONNECT_HANDLER, DISCONNECT_HANDLER, DEFAULT_HANDLER, TICK_HANDLER, INGEST_HANDLER)


def test_handlers_are_the_documented_entry_points():
    assert HANDLERS == (
        "functions.api.handler.handler",
        "functions.ws_connect.handler.handler",
        "functions.ws_disconnect.handler.handler",
        "functions.ws_default.handler.handler",
        "functions.tick.handler.handler",
        "functions.ingest.handler.handler",
    )


@pytest.mark.parametrize("handler", HANDLERS)
def test_function_runs_python312_on_arm64_with_the_layer_tracing_and_its_own_logs(template, synthesized, handler):
    layer_ids = set(synthesized.resources("AWS::Lambda::LayerVersion"))
    log_groups = set(synthesized.resources("AWS::Logs::LogGroup"))
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": handler,
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": Match.object_like({"LogFormat": "JSON"}),
            "Environment": {"Variables": Match.object_like({"POWERTOOLS_SERVICE_NAME": Match.any_value()})},
        },
    )
    properties = synthesized.function(handler)["Properties"]
    assert {layer["Ref"] for layer in properties["Layers"]} <= layer_ids
    assert properties["LoggingConfig"]["LogGroup"]["Ref"] in log_groups


def test_log_groups_have_a_retention(synthesized):
    groups = synthesized.resources("AWS::Logs::LogGroup")

    assert groups
    assert all(group["Properties"].get("RetentionInDays") for group in groups.values())


def test_every_function_ships_the_same_code_zip_of_shared_and_functions(synthesized):
    keys = {synthesized.function(handler)["Properties"]["Code"]["S3Key"] for handler in HANDLERS}
    assert len(keys) == 1
    asset_dir = synthesized.assembly_dir / f"asset.{keys.pop().removesuffix('.zip')}"

    assert sorted(path.name for path in asset_dir.iterdir()) == ["functions", "shared"]
    assert not list(asset_dir.rglob("__pycache__"))


@pytest.mark.parametrize("handler", HANDLERS)
def test_function_environment_validates_as_aws_settings(synthesized, handler):
    # Given the function's environment with every CloudFormation value replaced by a placeholder,
    # when the runtime's settings read it, then they validate in aws mode.
    variables = synthesized.function(handler)["Properties"]["Environment"]["Variables"]
    environ = {
        name: value if isinstance(value, str) else f"resolved-{name.lower()}" for name, value in variables.items()
    }

    settings = from_env(environ)

    assert settings.mode == "aws"
    assert settings.table_prefix == synthesized.stack.config.table_prefix
    for name in (Env.JOBS_QUEUE_URL, Env.WS_ENDPOINT, Env.JWT_SECRET_ARN, Env.WORKSPACE_BUCKET, Env.KMS_KEY_ID):
        assert name in variables, name
    assert Env.SPA_ORIGIN in variables


def test_the_websocket_endpoint_is_the_management_api_of_the_stage(synthesized):
    endpoint = synthesized.function(API_HANDLER)["Properties"]["Environment"]["Variables"][Env.WS_ENDPOINT]
    parts = endpoint["Fn::Join"][1]
    websocket_api = next(iter(synthesized.resources("AWS::ApiGatewayV2::Api")))

    assert parts[0] == "https://"
    assert {"Ref": websocket_api} in parts
    assert parts[-1] == f"/{synthesized.stack.config.stage}"


def test_the_api_function_uses_snapstart_behind_an_alias(template, synthesized):
    api_function = synthesized.function_id(API_HANDLER)
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Handler": API_HANDLER, "SnapStart": {"ApplyOn": "PublishedVersions"}}
    )
    template.has_resource_properties(
        "AWS::Lambda::Alias",
        {"FunctionName": {"Ref": api_function}, "FunctionVersion": {"Fn::GetAtt": [Match.any_value(), "Version"]}},
    )


@pytest.mark.parametrize("handler", [h for h in HANDLERS if h != API_HANDLER])
def test_other_functions_do_not_pay_for_snapstart(template, handler):
    template.has_resource_properties("AWS::Lambda::Function", {"Handler": handler, "SnapStart": Match.absent()})


def test_the_dependency_layer_is_for_python312_on_arm64(template, synthesized):
    template.has_resource_properties(
        "AWS::Lambda::LayerVersion",
        {"CompatibleRuntimes": ["python3.12"], "CompatibleArchitectures": ["arm64"]},
    )


def test_the_layer_holds_runtime_dependencies_only(synthesized):
    # The layer asset is the directory whose python/ folder pip filled for the Lambda platform.
    layer_dirs = [path for path in synthesized.assembly_dir.glob("asset.*") if (path / "python").is_dir()]
    assert len(layer_dirs) == 1
    installed = {path.name.lower() for path in (layer_dirs[0] / "python").iterdir()}

    assert {"fastapi", "mangum", "pynamodb", "aws_lambda_powertools", "pydantic_core"} <= installed
    assert not installed & {"aws_cdk", "moto", "pytest", "_pytest", "cdk_nag", "jsii"}
    # Compiled wheels are Linux arm64 builds for CPython 3.12, not this machine's.
    native = list((layer_dirs[0] / "python" / "pydantic_core").glob("*.so"))
    assert native
    assert all("cpython-312-aarch64-linux-gnu" in path.name for path in native)
