"""Account-level API Gateway logging: the CloudWatch role both the REST and the WebSocket stages log through."""

from __future__ import annotations

import json

import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import PACK, acknowledge

PUSH_TO_CLOUDWATCH = "AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayLogging(Construct):
    """The region's API Gateway CloudWatch role (an account setting: one per account and region)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(f"service-role/{PUSH_TO_CLOUDWATCH}")],
        )
        acknowledge(
            role,
            {
                f"{PACK}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{PUSH_TO_CLOUDWATCH}]": (
                    "AmazonAPIGatewayPushToCloudWatchLogs is the role API Gateway documents for execution and access "
                    "logging; it names log groups API Gateway creates at run time."
                ),
            },
        )
        self.account = apigateway.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)


# WebSocket access log line: who, which route, what happened (no bodies, no tokens).
WEBSOCKET_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "connectionId": "$context.connectionId",
        "eventType": "$context.eventType",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "integrationError": "$context.integrationErrorMessage",
    }
)


@jsii.implements(apigatewayv2.IAccessLogSettings)
class WebSocketAccessLogs:
    """Access-log settings of a WebSocket stage: JSON lines into a CloudWatch log group."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigatewayv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigatewayv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(WEBSOCKET_ACCESS_LOG_FORMAT)
