"""The WebSocket API: $connect / $disconnect / $default routes, each on its own slim function."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.apigateway import WebSocketAccessLogs
from infra.constructs.function import FunctionDefaults, StudioFunction
from infra.nag import acknowledge, acknowledge_grant
from shared.constants import Env

ROUTE_SELECTION_EXPRESSION = "$request.body.action"
CONNECT_HANDLER = "functions.ws_connect.handler.handler"
DISCONNECT_HANDLER = "functions.ws_disconnect.handler.handler"
DEFAULT_HANDLER = "functions.ws_default.handler.handler"


class WebSocket(Construct):
    """The API, an auto-deployed stage with access logs and throttling, and the three route functions.

    The stage is created before the functions so that every function (here and elsewhere) can be told the
    management endpoint it posts to (`STUDIO_WS_ENDPOINT`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        defaults: FunctionDefaults,
        stage_name: str,
        throttling_rate_limit: int = 100,
        throttling_burst_limit: int = 200,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigatewayv2.WebSocketApi(
            self,
            "Api",
            description="Sasha Studio realtime events",
            route_selection_expression=ROUTE_SELECTION_EXPRESSION,
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        self.stage = apigatewayv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=stage_name,
            auto_deploy=True,
            access_log_settings=WebSocketAccessLogs(access_logs),
            throttle=apigatewayv2.ThrottleSettings(
                rate_limit=throttling_rate_limit, burst_limit=throttling_burst_limit
            ),
        )
        defaults = FunctionDefaults(
            code=defaults.code,
            layer=defaults.layer,
            environment={**defaults.environment, Env.WS_ENDPOINT: self.management_endpoint},
        )
        self.connect: StudioFunction = defaults.function(
            self, "Connect", handler=CONNECT_HANDLER, description="Sasha Studio WebSocket $connect"
        )
        self.disconnect: StudioFunction = defaults.function(
            self, "Disconnect", handler=DISCONNECT_HANDLER, description="Sasha Studio WebSocket $disconnect"
        )
        self.default: StudioFunction = defaults.function(
            self,
            "Default",
            handler=DEFAULT_HANDLER,
            description="Sasha Studio WebSocket $default (client actions)",
            timeout=cdk.Duration.seconds(29),
        )
        for route_key, function in (
            ("$connect", self.connect),
            ("$disconnect", self.disconnect),
            ("$default", self.default),
        ):
            name = route_key.strip("$").capitalize()
            self.api.add_route(
                route_key,
                integration=integrations.WebSocketLambdaIntegration(f"{name}Integration", function.function),
            )
        acknowledge(
            self.api,
            {
                "AwsSolutions-APIG4": (
                    "The $connect function authenticates the connection (expiring JWT or hashed API key) and refuses "
                    "it; $disconnect/$default act only on connections that $connect accepted."
                ),
            },
        )

    @property
    def url(self) -> str:
        """wss:// URL the browser connects to."""
        return self.stage.url

    @property
    def management_endpoint(self) -> str:
        """https:// endpoint of the @connections management API (post_to_connection)."""
        return self.stage.callback_url

    def grant_manage_connections(self, role: iam.IRole) -> iam.Grant:
        """execute-api:ManageConnections on this API's stage @connections ARN only."""
        grant = self.stage.grant_management_api_access(role)
        acknowledge_grant(
            role,
            grant,
            "Connection ids are created at run time; the pattern is this API's own stage and its @connections "
            "resource, for post_to_connection and deleting gone connections.",
        )
        return grant
