"""Names shared by the runtime code, the local stack and the CDK app."""

from __future__ import annotations

APP_NAME = "sasha-studio"
SERVICE_NAME = "sasha-studio"
VERSION = "0.1.0"

# API Gateway WebSocket limits: a frame is at most 32 KB, a message at most 128 KB.
WS_FRAME_LIMIT_BYTES = 32 * 1024
WS_MESSAGE_LIMIT_BYTES = 128 * 1024
# API Gateway closes a WebSocket connection after two hours at most.
WS_CONNECTION_MAX_SECONDS = 2 * 60 * 60

# Lambda payloads are 6 MB at most; API Gateway REST payloads 10 MB.
UPLOADS_PREFIX = "uploads/"
PROJECTS_PREFIX = "projects/"
# Cached file trees: outside projects/, so no workspace sync ever pulls them.
TREE_CACHE_PREFIX = "cache/trees/"
# Meetings' audio kept for a retry (a segment the speech engine could not transcribe): outside projects/ too.
MEETINGS_PREFIX = "meetings/"

JOBS_QUEUE_NAME = "jobs.fifo"
JOBS_DLQ_NAME = "jobs-dlq.fifo"
# A message that has been received this many times without reaching a terminal state goes to the DLQ.
JOBS_MAX_RECEIVE_COUNT = 5
# The visibility timeout a job message starts with; the runner extends it while the job runs.
JOBS_VISIBILITY_TIMEOUT_SECONDS = 60

# Local mode only: the workspace bucket's object-created events under uploads/ go to this standard queue, and
# the local stack invokes the ingest function for each (in the cloud S3 invokes it directly, asynchronously).
LOCAL_UPLOAD_EVENTS_QUEUE_NAME = "studio-local-upload-events"
LOCAL_UPLOAD_EVENTS_DLQ_NAME = "studio-local-upload-events-dlq"
# Lambda tries an asynchronous event three times in all before giving up on it.
LOCAL_UPLOAD_EVENTS_MAX_RECEIVE_COUNT = 3
# Covers the ingest function's timeout (2 minutes), so an event is retried only after the attempt is over.
LOCAL_UPLOAD_EVENTS_VISIBILITY_TIMEOUT_SECONDS = 120


class Env:
    """Environment variable names the settings object reads (the CDK app sets them)."""

    MODE = "STUDIO_MODE"
    STAGE = "STUDIO_STAGE"
    DATA_DIR = "STUDIO_DATA_DIR"
    PORT = "PORT"
    REGION = "AWS_REGION"
    AWS_ENDPOINT_URL = "STUDIO_AWS_ENDPOINT_URL"
    TABLE_PREFIX = "STUDIO_TABLE_PREFIX"
    WORKSPACE_BUCKET = "STUDIO_WORKSPACE_BUCKET"
    JOBS_QUEUE_URL = "STUDIO_JOBS_QUEUE_URL"
    WS_ENDPOINT = "STUDIO_WS_ENDPOINT"
    KMS_KEY_ID = "STUDIO_KMS_KEY_ID"
    JWT_SECRET = "STUDIO_JWT_SECRET"  # noqa: S105  # the variable's name, not a secret
    JWT_SECRET_ARN = "STUDIO_JWT_SECRET_ARN"  # noqa: S105
    SPA_ORIGIN = "STUDIO_SPA_ORIGIN"
    LOG_LEVEL = "STUDIO_LOG_LEVEL"
    RUNNER_CONCURRENCY = "STUDIO_RUNNER_CONCURRENCY"
    JOB_TIMEOUT_SECONDS = "STUDIO_JOB_TIMEOUT_SECONDS"
    CONNECTION_TTL_SECONDS = "STUDIO_CONNECTION_TTL_SECONDS"
    EVENT_LOG_TTL_SECONDS = "STUDIO_EVENT_LOG_TTL_SECONDS"
    UPLOAD_MAX_BYTES = "STUDIO_UPLOAD_MAX_BYTES"
    DIRECT_UPLOAD_MAX_BYTES = "STUDIO_DIRECT_UPLOAD_MAX_BYTES"
    CLAUDE_BIN = "STUDIO_CLAUDE_BIN"
    TICK_INTERVAL_SECONDS = "STUDIO_TICK_INTERVAL_SECONDS"
    RUNNER_ID = "STUDIO_RUNNER_ID"
    SETUP_TOKEN = "STUDIO_SETUP_TOKEN"  # noqa: S105  # the variable's name, not a secret
    SETUP_TOKEN_ARN = "STUDIO_SETUP_TOKEN_ARN"  # noqa: S105
    JWT_TTL_SECONDS = "STUDIO_JWT_TTL_SECONDS"
    BCRYPT_ROUNDS = "STUDIO_BCRYPT_ROUNDS"
    POSTMARK_TOKEN = "STUDIO_POSTMARK_TOKEN"  # noqa: S105
    POSTMARK_TOKEN_ARN = "STUDIO_POSTMARK_TOKEN_ARN"  # noqa: S105
    POSTMARK_API_URL = "STUDIO_POSTMARK_API_URL"
    EMAIL_FROM = "STUDIO_EMAIL_FROM"
    PUBLIC_URL = "STUDIO_PUBLIC_URL"
    # The value CloudFront sends as X-Origin-Verify (or the secret holding it): only then is its X-Viewer-Address
    # believed.
    ORIGIN_VERIFY_SECRET = "STUDIO_ORIGIN_VERIFY_SECRET"  # noqa: S105  # the variable's name, not a secret
    ORIGIN_VERIFY_SECRET_ARN = "STUDIO_ORIGIN_VERIFY_SECRET_ARN"  # noqa: S105
    # The runner's sandbox for the Claude CLI: "uid" (required: a uid per job), "none", or "auto" (uid when root).
    SANDBOX = "STUDIO_SANDBOX"
    SANDBOX_DIR = "STUDIO_SANDBOX_DIR"  # workspaces, homes and per-job folders the job uids can reach
    SANDBOX_SLOTS = "STUDIO_SANDBOX_SLOTS"  # how many job uids (pool users sasha-job-0 … N-1)
    # Warm chat sessions per runner: how many CLI processes, within how much memory, closed after how long idle.
    WARM_SESSIONS = "STUDIO_WARM_SESSIONS"
    WARM_MEMORY_MB = "STUDIO_WARM_MEMORY_MB"
    WARM_IDLE_SECONDS = "STUDIO_WARM_IDLE_SECONDS"
    CHAT_TURN_TIMEOUT_SECONDS = "STUDIO_CHAT_TURN_TIMEOUT_SECONDS"  # a chat turn's deadline on the runner
    # Set by ECS in every task: the agent endpoint that takes task scale-in protection requests.
    ECS_AGENT_URI = "ECS_AGENT_URI"
    # The meetings' speech-to-text engine: "local" (offline, the default in local mode), "transcribe" (Amazon
    # Transcribe, the default in the cloud) or "off" (every segment fails and keeps its audio for a retry).
    SPEECH_ENGINE = "STUDIO_SPEECH_ENGINE"
    AUDIT_RETENTION_DAYS = "STUDIO_AUDIT_RETENTION_DAYS"  # how long audit log entries are kept (TTL)
    # Benchmarks only: a file every process appends one line per AWS call to (shared.aws.count_calls).
    AWS_CALL_LOG = "STUDIO_AWS_CALL_LOG"


# Variables the Claude Code CLI reads itself, as the operator may give them to the product. The runner's model
# gateway takes the credentials and the base URL among them; only the harmless ones below reach the CLI.
CLAUDE_ENV_PREFIXES = ("ANTHROPIC_", "CLAUDE_CODE_", "AWS_BEARER_TOKEN_BEDROCK")
CLAUDE_ENV_NAMES = (
    "DISABLE_PROMPT_CACHING",
    "DISABLE_TELEMETRY",
    "DISABLE_AUTOUPDATER",
    "DISABLE_ERROR_REPORTING",
    "API_TIMEOUT_MS",
    "CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS",
    "CLAUDE_STREAM_IDLE_TIMEOUT_MS",
)
# Model choices, limits and timeouts: nothing here is a credential or changes where the CLI connects.
CLAUDE_CLI_SAFE_NAMES = (
    "ANTHROPIC_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
    "CLAUDE_CODE_SUBAGENT_MODEL",
    "CLAUDE_CODE_MAX_OUTPUT_TOKENS",
    "CLAUDE_CODE_MAX_RETRIES",
    "DISABLE_PROMPT_CACHING",
    "API_TIMEOUT_MS",
    "CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS",
    "CLAUDE_STREAM_IDLE_TIMEOUT_MS",
)
CLAUDE_CLI_SAFE_PREFIXES = ("ANTHROPIC_DEFAULT_",)  # ANTHROPIC_DEFAULT_OPUS_MODEL and the like
