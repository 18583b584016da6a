"""REST API proxy under /api (to the SnapStart alias) and the WebSocket API's three routes."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Capture, Match

from infra.constructs.websocket import CONNECT_HANDLER, DEFAULT_HANDLER, DISCONNECT_HANDLER

pytestmark = pytest.mark.infra


def test_rest_api_proxies_everything_under_api(template, synthesized):
    # Given the REST API, then /api and /api/{proxy+} accept any method through a Lambda proxy integration.
    resources = synthesized.resources("AWS::ApiGateway::Resource")
    paths = {logical_id: resource["Properties"]["PathPart"] for logical_id, resource in resources.items()}
    api_resource = next(logical_id for logical_id, part in paths.items() if part == "api")
    proxy_resource = next(logical_id for logical_id, part in paths.items() if part == "{proxy+}")
    assert resources[proxy_resource]["Properties"]["ParentId"] == {"Ref": api_resource}

    alias = next(iter(synthesized.resources("AWS::Lambda::Alias")))
    for resource in (api_resource, proxy_resource):
        template.has_resource_properties(
            "AWS::ApiGateway::Method",
            {
                "HttpMethod": "ANY",
                "ResourceId": {"Ref": resource},
                "Integration": {
                    "Type": "AWS_PROXY",
                    "IntegrationHttpMethod": "POST",
                    "Uri": {"Fn::Join": ["", Match.array_with([{"Ref": alias}])]},
                },
            },
        )


def test_rest_stage_logs_traces_and_throttles_without_request_bodies(template, synthesized):
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": synthesized.stack.config.stage,
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": [
                Match.object_like(
                    {
                        "LoggingLevel": "ERROR",
                        "DataTraceEnabled": False,
                        "ThrottlingRateLimit": Match.any_value(),
                        "ThrottlingBurstLimit": Match.any_value(),
                    }
                )
            ],
        },
    )


def test_both_api_stages_wait_for_the_account_logging_role(synthesized):
    account = next(iter(synthesized.resources("AWS::ApiGateway::Account")))
    for resource_type in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        for stage in synthesized.resources(resource_type).values():
            assert account in stage.get("DependsOn", []), resource_type


def test_websocket_api_routes_on_the_action_field(template):
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {"ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"},
    )


@pytest.mark.parametrize(
    ("route_key", "handler"),
    [("$connect", CONNECT_HANDLER), ("$disconnect", DISCONNECT_HANDLER), ("$default", DEFAULT_HANDLER)],
)
def test_websocket_route_invokes_its_function(template, synthesized, route_key, handler):
    # Given a route, when its integration is followed, then it reaches that route's function.
    target = Capture()
    template.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": route_key, "Target": target})
    integration_id = next(
        part["Ref"] for part in target.as_object()["Fn::Join"][1] if isinstance(part, dict) and "Ref" in part
    )
    integration = synthesized.template_json["Resources"][integration_id]["Properties"]

    assert integration["IntegrationType"] == "AWS_PROXY"
    assert synthesized.function_id(handler) in synthesized.referenced_ids(integration["IntegrationUri"])


def test_websocket_stage_deploys_itself_logs_and_throttles(template, synthesized):
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": synthesized.stack.config.stage,
            "AutoDeploy": True,
            "AccessLogSettings": Match.object_like({"DestinationArn": Match.any_value()}),
            "DefaultRouteSettings": Match.object_like({"ThrottlingRateLimit": Match.any_value()}),
        },
    )
