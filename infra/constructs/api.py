"""The REST API: API Gateway (regional, proxy) → the `api` function's SnapStart alias (FastAPI via Mangum)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.function import FunctionDefaults, StudioFunction
from infra.nag import acknowledge

API_HANDLER = "functions.api.handler.handler"
API_PATH = "api"
# Everything the application answers lives under /api; CloudFront forwards /api/* here unchanged.
LIVE_ALIAS = "live"


class RestApi(Construct):
    """Proxy resources `/api` and `/api/{proxy+}` (ANY) on a stage with access logs, X-Ray and throttling."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        defaults: FunctionDefaults,
        stage_name: str,
        throttling_rate_limit: int = 100,
        throttling_burst_limit: int = 200,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        """`log_retention`: the function's log group, which holds CloudWatch's copy of the audit log."""
        super().__init__(scope, construct_id)
        self.stage_name = stage_name
        self.handler: StudioFunction = defaults.function(
            self,
            "Api",
            handler=API_HANDLER,
            description="Sasha Studio REST API (FastAPI via Mangum)",
            memory_mib=1024,
            # API Gateway gives up after 29 s; nothing long runs in a request (jobs do).
            timeout=cdk.Duration.seconds(29),
            log_retention=log_retention,
            snap_start=True,
        )
        # SnapStart applies to published versions: API Gateway invokes the alias, never $LATEST.
        self.alias = lambda_.Alias(
            self, "LiveAlias", alias_name=LIVE_ALIAS, version=self.handler.function.current_version
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        self.rest_api = apigateway.RestApi(
            self,
            "RestApi",
            description="Sasha Studio REST API",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            # Uploads and downloads carry binary bodies; Mangum decodes and encodes base64 both ways.
            binary_media_types=["*/*"],
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                # Request bodies hold passwords and API keys: never log them.
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
            ),
        )
        integration = apigateway.LambdaIntegration(self.alias, proxy=True, allow_test_invoke=False)
        api_resource = self.rest_api.root.add_resource(API_PATH)
        api_resource.add_method("ANY", integration)
        api_resource.add_proxy(default_integration=integration, any_method=True)
        acknowledge(
            self.rest_api,
            {
                "AwsSolutions-APIG4": (
                    "Authorization is done in the application: expiring JWTs with a per-user token version, or hashed "
                    "API keys looked up by key id (public routes such as login must stay open)."
                ),
                "AwsSolutions-COG4": (
                    "Users and API keys live in the application's own tables; there is no Cognito user pool, and the "
                    "application authorizes every request itself."
                ),
                "AwsSolutions-APIG2": (
                    "A greedy proxy has no per-route models; FastAPI validates every request body and parameter with "
                    "Pydantic models and answers 422."
                ),
            },
        )

    @property
    def origin_domain(self) -> str:
        """The execute-api host, built from the API id alone so CloudFront does not depend on the stage."""
        stack = cdk.Stack.of(self)
        return f"{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"

    @property
    def origin_path(self) -> str:
        return f"/{self.stage_name}"

    @property
    def url(self) -> str:
        """Direct URL of the API (integrations with an X-API-Key may call it without CloudFront)."""
        return f"https://{self.origin_domain}/{self.stage_name}/{API_PATH}"
