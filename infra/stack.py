"""The Sasha Studio stack: composes one construct per capability, sets the runtime environment, grants access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import REPO_ROOT, StageConfig
from infra.constructs.api import RestApi
from infra.constructs.apigateway import ApiGatewayLogging
from infra.constructs.data import Tables
from infra.constructs.function import FunctionDefaults, StudioFunction, code_asset, retention_covering
from infra.constructs.ingest import Ingest
from infra.constructs.layer import DependencyLayer
from infra.constructs.monitoring import Monitoring
from infra.constructs.network import Network
from infra.constructs.queue import JobsQueue
from infra.constructs.runner import Runner
from infra.constructs.scheduler import SchedulerTick
from infra.constructs.secrets import Secrets
from infra.constructs.spa import Spa
from infra.constructs.storage import LogsBucket, WorkspaceBucket
from infra.constructs.waf import ApiFirewall, RateLimits
from infra.constructs.websocket import WebSocket
from infra.nag import acknowledge_grant
from shared.constants import APP_NAME, JOBS_QUEUE_NAME, PROJECTS_PREFIX, SERVICE_NAME, Env
from shared.jobs.routing import runner_queue_prefix
from shared.models.accounts import RateLimit, User
from shared.models.admin import BedrockConfig, Setting
from shared.models.api_keys import ApiKey
from shared.models.base import table_specs
from shared.models.budgets import Budget
from shared.models.chat import RawExchange, Session, SessionEvent
from shared.models.cloud import CloudConnection, CloudCredential, CloudMount, CloudProvider
from shared.models.connections import Connection
from shared.models.files import FileTree, Upload
from shared.models.git import GitRemote
from shared.models.integrations import IntegrationRun
from shared.models.jobs import Job, RunnerLease
from shared.models.meetings import Meeting, TranscriptSegment
from shared.models.onboarding import CompanyProfile, ResearchDocument, ResearchEvent
from shared.models.projects import Project, ProjectMember
from shared.models.prompts import Guide, Persona, PromptVersion
from shared.models.schedules import Execution, Schedule
from shared.models.usage import QualitySignal, UsageAggregate, UsageEvent

# Days the REST API's logs are kept at the least (every function's default), whatever the audit retention.
AUDIT_LOG_MIN_DAYS = 30

# The Claude CLI reads this itself; the runner gets it from Secrets Manager, never as a plain variable.
ANTHROPIC_API_KEY = "ANTHROPIC_API_KEY"

# The tables the runner's code (runner/ and the shared modules it calls) writes, and why.
RUNNER_WRITES = (
    Job,  # job state transitions; follow-up jobs it enqueues (chat.quality, callback.deliver)
    Session,  # turn status, the CLI's session id, event sequence numbers, followers of a gone connection
    RawExchange,  # the turn's status, answer and usage
    SessionEvent,  # the session's event log (and the quality job's reading of it)
    Connection,  # a connection that is gone (GoneException) is read and deleted
    QualitySignal,  # chat.quality
    UsageEvent,  # the model gateway's row per model request (shared.usage)
    UsageAggregate,  # the dashboard's sums, added to as each usage event is recorded (shared.usage.aggregates)
    Budget,  # each call's cost and tokens added to its user's month and the organization's (shared.budgets)
    RateLimit,  # the tokens each user used today, for the daily token quota (shared.usage.daily)
    Execution,  # a skill or scheduled run's progress and outcome
    Schedule,  # a run's outcome on its schedule (and the schedule's prompt, read)
    IntegrationRun,  # a run's end and its callback's delivery
    FileTree,  # a push that changed a project's files moves its tree generation on
    CompanyProfile,  # onboarding's research: its state, conditional on the job that runs it
    ResearchEvent,  # the research's event log (the long-poll route reads it)
    ResearchDocument,  # a document the research wrote
    PromptVersion,  # the user's CLAUDE.md placed for a turn; Claude's edit of the project's one, a new version
    CloudMount,  # a drive mount's sync health and last summary (shared.drives.syncs)
    CloudCredential,  # a drive's OAuth tokens, refreshed before a sync and sealed again (shared.drives.remote)
    CloudConnection,  # a drive that refused its saved sign-in moves to `error` with the reason
    Meeting,  # a meeting's advice, and the end of its analysis (shared.meetings.jobs)
    RunnerLease,  # its own queue's lease, and the sessions whose Claude process it keeps (shared.jobs.routing)
)
# The tables it only reads.
RUNNER_READS = (
    Project,  # the project of a turn or run (its S3 prefix)
    ProjectMember,  # a scheduled run's owner may still change the project
    User,  # a scheduled run's owner is still active
    ApiKey,  # the sealed secret that signs a callback
    Persona,  # the system prompt of a turn
    Guide,
    BedrockConfig,  # the AI provider of each turn (shared.provider) and its sealed credentials
    GitRemote,  # a project's Git remotes (shared.git.remotes): the URL and the sealed token a push uses
    CloudProvider,  # a drive's OAuth client and endpoints (the client secret sealed), for rclone's config
    TranscriptSegment,  # the meeting transcript Claude advises on and analyzes
    Setting,  # the administrator's quotas: the daily token limit the gateway enforces (shared.quotas.settings)
)
# The runners' own queues (runner/queues.py): a runner makes, reads and deletes its own, empties gone runners'.
RUNNER_QUEUE_ACTIONS = (
    "sqs:CreateQueue",
    "sqs:DeleteQueue",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:ChangeMessageVisibilityBatch",
    "sqs:SendMessage",
)
RUNNER_QUEUE_SEND_ACTIONS = ("sqs:SendMessage",)
# The tick empties the queues of runners that died into the jobs queue (shared.jobs.routing.empty_gone_runners).
RUNNER_QUEUE_EMPTY_ACTIONS = ("sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteQueue")
# Bedrock with the runner's task role (Settings → AI provider): invoking Anthropic's models only, directly or
# through their cross-region inference profiles.
BEDROCK_INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
# The only keys of the workspace bucket the runner touches: project files (and the run logs among them), each
# project's Git repository (runner/git/storage.py) and the CLI's session transcripts (runner/claude/transcripts.py).
# Uploads and cached trees are not its business: a push moves a project's tree on in `file_trees`
# (shared.files.tree.invalidate), never in `cache/trees/`.
RUNNER_OBJECT_KEYS = (f"{PROJECTS_PREFIX}*/files/*", f"{PROJECTS_PREFIX}*/git/*", "sessions/*")


class StudioStack(cdk.Stack):
    """Everything one stage of Sasha Studio needs in one account and region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        repo_root: Path = REPO_ROOT,
        runner_image: ecs.ContainerImage | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config

        # State: tables, secrets, buckets, the jobs queue.
        self.tables = Tables(self, "Data", specs=table_specs(), table_prefix=config.table_prefix)
        self.secrets = Secrets(
            self,
            "Secrets",
            alias=f"alias/{config.prefix}envelope",
            jwt_secret_name=config.secret_name("jwt-signing-key"),
            anthropic_secret_name=config.secret_name("anthropic-api-key"),
            setup_token_name=config.secret_name("setup-token"),
            postmark_token_name=config.secret_name("postmark-server-token"),
            origin_verify_name=config.secret_name("origin-verify"),
        )
        self.logs_bucket = LogsBucket(self, "AccessLogs").bucket
        self.workspace = WorkspaceBucket(
            self,
            "Workspace",
            bucket_name=f"{config.prefix}files-{self.account}-{self.region}",
            logs_bucket=self.logs_bucket,
        )
        self.jobs = JobsQueue(self, "Jobs", name_prefix=config.prefix)
        self.monitoring = Monitoring(self, "Monitoring", key=self.secrets.key, alarm_email=config.alarm_email)
        self.monitoring.alarm_on_dead_letters(self.jobs.dead_letter_queue)
        self.monitoring.alarm_on_failed_runs()

        # Compute: the Lambda functions behind the two APIs, the scheduler tick and upload ingestion.
        gateway_logging = ApiGatewayLogging(self, "ApiGatewayLogging")
        layer = DependencyLayer(self, "Dependencies", repo_root=repo_root).layer
        defaults = FunctionDefaults(code=code_asset(repo_root), layer=layer, environment=self._base_environment())
        self.websocket = WebSocket(self, "WebSocket", defaults=defaults, stage_name=config.stage)
        defaults = FunctionDefaults(
            code=defaults.code,
            layer=layer,
            environment={**defaults.environment, Env.WS_ENDPOINT: self.websocket.management_endpoint},
        )
        # The REST API writes the audit log (its routes); its log group holds CloudWatch's copy of every entry, kept
        # at least as long as the table keeps it and never less than the other functions' month.
        self.api = RestApi(
            self,
            "Api",
            defaults=defaults,
            stage_name=config.stage,
            log_retention=retention_covering(max(config.audit_retention_days, AUDIT_LOG_MIN_DAYS)),
        )
        self.scheduler = SchedulerTick(
            self, "Scheduler", defaults=defaults, description=f"{APP_NAME} {config.stage}: scheduler clock"
        )
        self.ingest = Ingest(self, "Ingest", defaults=defaults, workspace=self.workspace)
        for stage in (self.api.rest_api.deployment_stage, self.websocket.stage):
            stage.node.add_dependency(gateway_logging.account)
        # The REST stage's web ACL: per-address rate limits (sign-in and reset routes, everything), managed rules.
        self.firewall = ApiFirewall(
            self,
            "ApiFirewall",
            name=f"{config.prefix}api",
            stage=self.api.rest_api.deployment_stage,
            limits=RateLimits(
                auth=config.waf_auth_rate_limit,
                everything=config.waf_rate_limit,
                window_seconds=config.waf_window_seconds,
            ),
        )

        # The runner: Fargate in public subnets, no NAT.
        network = Network(self, "Network", logs_bucket=self.logs_bucket)
        self.runner = Runner(
            self,
            "Runner",
            repo_root=repo_root,
            vpc=network.vpc,
            security_group=network.security_group,
            queue=self.jobs.queue,
            environment={
                **defaults.environment,
                Env.REGION: self.region,
                Env.RUNNER_CONCURRENCY: str(config.runner_concurrency),
                Env.WARM_SESSIONS: str(config.runner_warm_sessions if config.runner_warm_memory_mib else 0),
                Env.WARM_MEMORY_MB: str(max(config.runner_warm_memory_mib, 1)),
            },
            secrets={ANTHROPIC_API_KEY: self.secrets.anthropic_secret},
            min_capacity=config.runner_min_capacity,
            max_capacity=config.runner_max_capacity,
            concurrency=config.runner_concurrency,
            warm_sessions=config.runner_warm_sessions,
            working_hours=config.runner_working_hours,
            working_hours_capacity=config.runner_working_hours_capacity,
            spot_percent=config.runner_spot_percent,
            cpu=config.runner_cpu,
            memory_mib=config.runner_memory_mib,
            image=runner_image,
        )

        # The browser's entry point: CloudFront in front of the SPA bucket and /api.
        self.spa = Spa(
            self,
            "Spa",
            web_dir=repo_root / "web",
            logs_bucket=self.logs_bucket,
            api_domain=self.api.origin_domain,
            api_origin_path=self.api.origin_path,
            api_origin_secret=self.secrets.origin_verify.secret_value,
            websocket_url=self.websocket.url,
            connect_sources=[self._websocket_origin(), *self.workspace.upload_origins()],
        )
        self.workspace.allow_uploads_from(self.spa.url)
        for function in self._functions():
            function.add_environment({Env.SPA_ORIGIN: self.spa.url, Env.PUBLIC_URL: self.spa.url})
        self.runner.container.add_environment(Env.SPA_ORIGIN, self.spa.url)
        self.runner.container.add_environment(Env.PUBLIC_URL, self.spa.url)

        self._grant()
        self._alarms()
        self._outputs()

    def _base_environment(self) -> dict[str, str]:
        """What every process reads (shared.settings); the WebSocket endpoint and SPA origin are added later."""
        return {
            Env.MODE: "aws",
            Env.STAGE: self.config.stage,
            Env.TABLE_PREFIX: self.config.table_prefix,
            Env.WORKSPACE_BUCKET: self.workspace.bucket.bucket_name,
            Env.JOBS_QUEUE_URL: self.jobs.queue.queue_url,
            Env.KMS_KEY_ID: self.secrets.key.key_arn,
            # Every process must name the secret for settings to validate; only api and ws_connect may read it.
            Env.JWT_SECRET_ARN: self.secrets.jwt_secret.secret_arn,
            Env.SETUP_TOKEN_ARN: self.secrets.setup_token.secret_arn,
            Env.POSTMARK_TOKEN_ARN: self.secrets.postmark_token.secret_arn,
            Env.LOG_LEVEL: self.config.log_level,
            # Every process agrees on it; the REST API's routes are the ones that write audit entries today.
            Env.AUDIT_RETENTION_DAYS: str(self.config.audit_retention_days),
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": APP_NAME,
        }

    def _websocket_origin(self) -> str:
        """wss://{api id}.execute-api.{region}.{suffix}: what the SPA's connect-src must allow."""
        return f"wss://{self.websocket.api.api_id}.execute-api.{self.region}.{self.url_suffix}"

    def _functions(self) -> list[StudioFunction]:
        return [
            self.api.handler,
            self.websocket.connect,
            self.websocket.disconnect,
            self.websocket.default,
            self.scheduler.tick,
            self.ingest.ingest,
        ]

    def _grant(self) -> None:
        """Least privilege: each principal gets what its code uses, scoped to ARNs."""
        tables, secrets, queue, websocket = self.tables, self.secrets, self.jobs.queue, self.websocket

        api = self.api.handler.role
        tables.grant_read_write(api)
        self.workspace.grant_read_write(api)
        queue.grant_send_messages(api)
        secrets.grant_envelope(api)
        secrets.jwt_secret.grant_read(api)
        # Registration checks the setup token; password reset and welcome emails go through Postmark.
        secrets.setup_token.grant_read(api)
        secrets.postmark_token.grant_read(api)
        # Behind CloudFront, the viewer's address counts for the rate limits only with CloudFront's secret.
        secrets.origin_verify.grant_read(api)
        self.api.handler.add_environment({Env.ORIGIN_VERIFY_SECRET_ARN: secrets.origin_verify.secret_arn})
        # Deleting a user closes their WebSocket connections (shared.lifecycle).
        websocket.grant_manage_connections(api)
        self._grant_transcribe(api)

        # $connect authenticates (shared.accounts.callers): it reads users, records an API key's last use.
        connect = websocket.connect.role
        tables.grant_read_write(connect, [Connection, ApiKey])
        tables.grant_read(connect, [User])
        secrets.jwt_secret.grant_read(connect)

        tables.grant_read_write(websocket.disconnect.role, [Connection])

        default = websocket.default.role
        tables.grant_read_write(default)
        queue.grant_send_messages(default)
        # A chat turn goes to the runner keeping its session's Claude process, when one does (shared.jobs.routing).
        for sender in (api, default):
            self._grant_runner_queues(sender, RUNNER_QUEUE_SEND_ACTIONS)
        websocket.grant_manage_connections(default)

        tick = self.scheduler.tick.role
        tables.grant_read_write(tick, [Schedule, Execution, Job])
        # Meetings left capturing in silence are stopped (shared.meetings.sweep).
        tables.grant_read_write(tick, [Meeting])
        # Mounts due for a refresh are claimed and their sync queued (shared.drives.syncs.queue_due_syncs).
        tables.grant_read_write(tick, [CloudMount])
        tables.grant_read(tick, [CloudConnection])
        queue.grant_send_messages(tick)
        # Turns waiting in the queue of a runner that died go to the jobs queue (shared.jobs.routing).
        tables.grant_read_write(tick, [RunnerLease])
        self._grant_runner_queues(tick, RUNNER_QUEUE_EMPTY_ACTIONS)

        # Ingest moves and converts objects inside the bucket, finishes the upload's record and moves the
        # project's file tree on (shared.files.ingest).
        self.workspace.grant_read_write(self.ingest.ingest.role)
        tables.grant_read_write(self.ingest.ingest.role, [Upload, FileTree])

        self._grant_runner()

    def _grant_runner(self) -> None:
        """The runner's task role: only what its code uses. Job uids never see it (docs/deployment.md)."""
        runner = self.runner.task_role
        self.tables.grant_read_write(runner, RUNNER_WRITES)
        self.tables.grant_read(runner, RUNNER_READS)
        self.workspace.grant_keys_read_write(runner, RUNNER_OBJECT_KEYS)
        self.jobs.queue.grant_consume_messages(runner)
        # A finished turn queues its quality job and an integration run's callback (shared.jobs.enqueue).
        self.jobs.queue.grant_send_messages(runner)
        # Its own queue for the turns of the sessions it keeps warm, and gone runners' queues (runner/queues.py).
        self._grant_runner_queues(runner, RUNNER_QUEUE_ACTIONS)
        # Delivering a callback unseals the API key's signing secret, a drive sync unseals the drive's tokens,
        # and seals them again when a refresh rotated them (shared.drives.remote).
        self.secrets.grant_envelope(runner)
        self.websocket.grant_manage_connections(runner)
        # A budget's 80 % warning is emailed where the spend that crossed it is counted (shared.budgets.notices).
        self.secrets.postmark_token.grant_read(runner)
        self._grant_bedrock(runner)

    def _grant_runner_queues(self, role: iam.IRole, actions: tuple[str, ...]) -> None:
        prefix = runner_queue_prefix(f"{self.config.prefix}{JOBS_QUEUE_NAME}")
        queues = self.format_arn(service="sqs", resource=f"{prefix}*", arn_format=cdk.ArnFormat.NO_RESOURCE_NAME)
        grant = iam.Grant.add_to_principal(grantee=role, actions=list(actions), resource_arns=[queues])
        acknowledge_grant(
            role,
            grant,
            "Each runner task makes its own queue at start, named after the jobs queue and the task "
            "(runner/queues.py); the pattern covers only those queues.",
        )

    def _grant_transcribe(self, api: iam.IRole) -> None:
        """A meeting's audio segments go to Amazon Transcribe Streaming (shared/meetings/engines/transcribe.py)."""
        grant = iam.Grant.add_to_principal(
            grantee=api, actions=["transcribe:StartStreamTranscriptionWebSocket"], resource_arns=["*"]
        )
        acknowledge_grant(
            api,
            grant,
            "Amazon Transcribe's streaming action has no resource type: it can only be granted on '*' "
            "(Service Authorization Reference, Amazon Transcribe).",
        )

    def _grant_bedrock(self, runner: iam.IRole) -> None:
        grant = iam.Grant.add_to_principal(
            grantee=runner,
            actions=list(BEDROCK_INVOKE_ACTIONS),
            resource_arns=[
                f"arn:{self.partition}:bedrock:*::foundation-model/anthropic.*",
                self.format_arn(
                    service="bedrock", region="*", resource="inference-profile", resource_name="*anthropic.*"
                ),
            ],
        )
        acknowledge_grant(
            runner,
            grant,
            "Bedrock's model ids are chosen by an administrator at run time and inference profiles route across "
            "regions: the pattern allows Anthropic's models (and their profiles) and nothing else.",
        )

    def _alarms(self) -> None:
        self.monitoring.alarm_on_dead_letters(
            self.ingest.dead_letter_queue,
            construct_id="IngestDeadLetterAlarm",
            description="Uploads the ingest function failed on every retry (left under uploads/, records pending)",
        )
        self.monitoring.alarm_on_errors(
            "TickErrors",
            metric=self.scheduler.tick.function.metric_errors(period=cdk.Duration.minutes(1)),
            description="The scheduler tick keeps failing: scheduled prompts and skills are not starting",
        )

    def _outputs(self) -> None:
        outputs = {
            "AppUrl": (self.spa.url, "CloudFront URL of the SPA (and /api)"),
            "WebSocketUrl": (self.websocket.url, "wss:// URL of the WebSocket API (also in /config.json)"),
            "ApiUrl": (self.api.url, "Direct REST API URL for X-API-Key integrations"),
            "WorkspaceBucketName": (self.workspace.bucket.bucket_name, "Project files and uploads"),
            "JobsQueueUrl": (self.jobs.queue.queue_url, "FIFO jobs queue"),
            "JwtSecretArn": (self.secrets.jwt_secret.secret_arn, "JWT signing key (Secrets Manager)"),
            "AnthropicSecretArn": (self.secrets.anthropic_secret.secret_arn, "Runner ANTHROPIC_API_KEY"),
            "SetupTokenSecretArn": (
                self.secrets.setup_token.secret_arn,
                "The first administrator's setup token: aws secretsmanager get-secret-value --secret-id <this>",
            ),
            "PostmarkTokenSecretArn": (self.secrets.postmark_token.secret_arn, "Postmark server token (set it)"),
            "AlarmTopicArn": (self.monitoring.topic.topic_arn, "Subscribe to receive alarms"),
        }
        for name, (value, description) in outputs.items():
            cdk.CfnOutput(self, name, value=value, description=description)
