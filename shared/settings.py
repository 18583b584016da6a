"""The one settings object: read from the environment once, validated, shared by every process."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from shared.constants import (
    CLAUDE_CLI_SAFE_NAMES,
    CLAUDE_CLI_SAFE_PREFIXES,
    CLAUDE_ENV_NAMES,
    CLAUDE_ENV_PREFIXES,
    Env,
)

Mode = Literal["local", "aws"]
SandboxMode = Literal["auto", "uid", "none"]
SpeechEngineName = Literal["local", "transcribe", "off"]
SPEECH_ENGINES: tuple[SpeechEngineName, ...] = ("local", "transcribe", "off")

_LOCAL_DEV_SECRET = "local-development-secret-never-used-in-the-cloud"  # noqa: S105
_INSECURE_SECRETS = {"", "changethis", _LOCAL_DEV_SECRET}


class SettingsError(ValueError):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True, slots=True)
class Settings:
    mode: Mode = "local"
    stage: str = "local"
    data_dir: Path = Path(".studio")
    port: int = 8080
    region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    table_prefix: str = "studio-"
    workspace_bucket: str = "studio-workspace"
    jobs_queue_url: str = ""
    ws_endpoint: str = ""
    kms_key_id: str = "alias/studio"
    jwt_secret: str = _LOCAL_DEV_SECRET  # refused by validate() outside local mode
    # In the cloud the signing secret lives in Secrets Manager and is fetched on first use.
    jwt_secret_arn: str | None = None
    spa_origin: str = ""
    log_level: str = "INFO"
    runner_concurrency: int = 4
    job_timeout_seconds: int = 300
    connection_ttl_seconds: int = 2 * 60 * 60
    event_log_ttl_seconds: int = 7 * 24 * 60 * 60
    upload_max_bytes: int = 50 * 1024 * 1024
    # The multipart route goes through API Gateway and Lambda (6 MB, base64-encoded): 4 MB fits.
    direct_upload_max_bytes: int = 4 * 1024 * 1024
    claude_bin: str = "claude"
    tick_interval_seconds: int = 60
    runner_id: str = ""
    # Accounts: registration needs the setup token when one is configured (always in the cloud).
    setup_token: str | None = None
    setup_token_arn: str | None = None
    jwt_ttl_seconds: int = 8 * 60 * 60
    bcrypt_rounds: int = 12
    reset_token_ttl_seconds: int = 60 * 60
    # Email through Postmark; locally the gateway records messages instead of sending them.
    postmark_token: str | None = None
    postmark_token_arn: str | None = None
    postmark_api_url: str = "https://api.postmarkapp.com"
    email_from: str = "Sasha Studio <studio@localhost>"
    public_url: str = "http://127.0.0.1:8080"
    # Set when CloudFront fronts the API and adds `X-Origin-Verify: <this>` to its origin requests (the value, or
    # the Secrets Manager secret holding it): the client IP is then the `X-Viewer-Address` CloudFront's function
    # sets, not the edge's address (shared.api.deps.client_ip).
    origin_verify_secret: str | None = None
    origin_verify_secret_arn: str | None = None
    ecs_agent_uri: str | None = None
    # The runner's sandbox (runner/sandbox): a uid of its own per job ("uid"), none, or uid when root ("auto").
    sandbox: SandboxMode = "auto"
    sandbox_dir: Path | None = None  # None: a folder derived from the data folder (sandbox_root)
    sandbox_slots: int = 0  # job uids in the pool; 0: the runner's concurrency plus its warm sessions
    # Warm sessions (runner/claude/warm.py): the CLI processes of recently active chat sessions kept alive between
    # turns, at most this many per runner, within this much resident memory, each closed after this long idle.
    # 0 sessions: every turn starts its own CLI process.
    warm_sessions: int = 8
    warm_memory_mb: int = 2048
    warm_idle_seconds: int = 15 * 60
    chat_turn_timeout_seconds: int = 15 * 60  # a chat turn's deadline on the runner
    # The Claude CLI's own variables as the operator gave them (ANTHROPIC_*, CLAUDE_CODE_*, ...). The credentials
    # and the upstream URL among them go to the runner's model gateway, never to the CLI (claude_cli_env).
    claude_env: Mapping[str, str] = field(default_factory=dict)
    # AWS's standard per-service endpoint variables: Bedrock's runtime (model calls, through the model gateway)
    # and control plane (the model list), redirected for tests and VPC endpoints.
    bedrock_runtime_endpoint: str | None = None
    bedrock_endpoint: str | None = None
    # Meetings' transcription (shared.meetings.engines): None picks by mode (speech_engine_name). Transcribe
    # Streaming's endpoint follows AWS's per-service variable, for tests and VPC endpoints.
    speech_engine: SpeechEngineName | None = None
    transcribe_streaming_endpoint: str | None = None
    # How long the audit log keeps an entry (shared.audit): DynamoDB's TTL removes it after this many days.
    audit_retention_days: int = 365
    # Benchmarks count AWS calls per operation (bench/turn_cost.py): each process appends a line per call here.
    aws_call_log: Path | None = None

    @property
    def is_local(self) -> bool:
        return self.mode == "local"

    @property
    def speech_engine_name(self) -> SpeechEngineName:
        """The transcription engine: the one configured, else offline locally and Amazon Transcribe in the cloud."""
        return self.speech_engine or ("local" if self.is_local else "transcribe")

    def table_name(self, name: str) -> str:
        return f"{self.table_prefix}{name}"

    @property
    def sandbox_root(self) -> Path:
        """Where job workspaces and homes live: outside the data folder, whose contents only the runner reads."""
        if self.sandbox_dir is not None:
            return self.sandbox_dir.resolve()
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return Path("/var/tmp/sasha-studio") / digest  # noqa: S108  # a root-owned 0711 folder, made by the runner

    @property
    def sandbox_pool_size(self) -> int:
        return self.sandbox_slots or self.runner_concurrency + max(self.warm_sessions, self.runner_concurrency)

    @property
    def upstream_base_url(self) -> str:
        """The Messages API the model gateway forwards to (ANTHROPIC_BASE_URL given to the product)."""
        return (self.claude_env.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com").rstrip("/")

    @property
    def model_credential_configured(self) -> bool:
        """Whether the model gateway has a key (or token) to give the upstream API."""
        return bool(self.claude_env.get("ANTHROPIC_API_KEY") or self.claude_env.get("ANTHROPIC_AUTH_TOKEN"))

    @property
    def claude_cli_env(self) -> dict[str, str]:
        """The operator's Claude variables that may reach the CLI: model choices and limits, no credential."""
        return {
            name: value
            for name, value in self.claude_env.items()
            if name in CLAUDE_CLI_SAFE_NAMES or name.startswith(CLAUDE_CLI_SAFE_PREFIXES)
        }

    def validate(self) -> Settings:
        if self.mode not in ("local", "aws"):
            raise SettingsError(f"{Env.MODE} must be 'local' or 'aws', not {self.mode!r}")
        if self.mode == "aws":
            if not self.jwt_secret_arn and (self.jwt_secret in _INSECURE_SECRETS or len(self.jwt_secret) < 32):
                raise SettingsError(f"{Env.JWT_SECRET} must be a random secret of at least 32 characters")
            if self.aws_endpoint_url:
                raise SettingsError(f"{Env.AWS_ENDPOINT_URL} is for the local stack only")
            for name, value in (("jobs queue", self.jobs_queue_url), ("WebSocket endpoint", self.ws_endpoint)):
                if not value:
                    raise SettingsError(f"the {name} is not configured")
            if self.sandbox == "none":
                raise SettingsError(f"{Env.SANDBOX}=none is for a single-user machine, never the cloud")
        self._validate_speech_engine()
        self._validate_warm_sessions()
        if self.sandbox not in ("auto", "uid", "none"):
            raise SettingsError(f"{Env.SANDBOX} must be 'auto', 'uid' or 'none', not {self.sandbox!r}")
        for name, number in (
            ("runner concurrency", self.runner_concurrency),
            ("job timeout", self.job_timeout_seconds),
            ("upload limit", self.upload_max_bytes),
            ("direct upload limit", self.direct_upload_max_bytes),
            ("tick interval", self.tick_interval_seconds),
            ("token lifetime", self.jwt_ttl_seconds),
            ("sandbox pool", self.sandbox_pool_size),
            ("audit retention", self.audit_retention_days),
            ("warm sessions' memory", self.warm_memory_mb),
            ("warm sessions' idle time", self.warm_idle_seconds),
            ("chat turn timeout", self.chat_turn_timeout_seconds),
        ):
            if number <= 0:
                raise SettingsError(f"the {name} must be positive, not {number}")
        if not 4 <= self.bcrypt_rounds <= 16:
            raise SettingsError(f"{Env.BCRYPT_ROUNDS} must be between 4 and 16, not {self.bcrypt_rounds}")
        if self.mode == "aws" and self.bcrypt_rounds < 10:
            raise SettingsError(f"{Env.BCRYPT_ROUNDS} below 10 is for tests, not the cloud")
        return self

    def _validate_warm_sessions(self) -> None:
        if self.warm_sessions < 0:
            raise SettingsError(f"{Env.WARM_SESSIONS} cannot be negative, not {self.warm_sessions}")

    def _validate_speech_engine(self) -> None:
        if self.speech_engine is not None and self.speech_engine not in SPEECH_ENGINES:
            raise SettingsError(
                f"{Env.SPEECH_ENGINE} must be one of {', '.join(SPEECH_ENGINES)}, not {self.speech_engine!r}"
            )
        if self.mode == "aws" and self.speech_engine == "local":
            # The offline recognizer and its model are installed for the local stack, not in the Lambda layer.
            raise SettingsError(f"{Env.SPEECH_ENGINE}=local is for the local stack; the cloud uses 'transcribe'")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc


def from_env(environ: Mapping[str, str]) -> Settings:
    """Build and validate settings from an environment mapping."""
    defaults = Settings()
    mode = environ.get(Env.MODE, defaults.mode)
    claude_env = {
        key: value for key, value in environ.items() if key.startswith(CLAUDE_ENV_PREFIXES) or key in CLAUDE_ENV_NAMES
    }
    settings = Settings(
        mode=mode,  # type: ignore[arg-type]  # checked by validate()
        stage=environ.get(Env.STAGE, defaults.stage),
        data_dir=Path(environ.get(Env.DATA_DIR, str(defaults.data_dir))),
        port=_int(environ, Env.PORT, defaults.port),
        region=environ.get(Env.REGION) or environ.get("AWS_DEFAULT_REGION") or defaults.region,
        aws_endpoint_url=environ.get(Env.AWS_ENDPOINT_URL) or None,
        table_prefix=environ.get(Env.TABLE_PREFIX, defaults.table_prefix),
        workspace_bucket=environ.get(Env.WORKSPACE_BUCKET, defaults.workspace_bucket),
        jobs_queue_url=environ.get(Env.JOBS_QUEUE_URL, defaults.jobs_queue_url),
        ws_endpoint=environ.get(Env.WS_ENDPOINT, defaults.ws_endpoint),
        kms_key_id=environ.get(Env.KMS_KEY_ID, defaults.kms_key_id),
        jwt_secret=environ.get(Env.JWT_SECRET, defaults.jwt_secret),
        jwt_secret_arn=environ.get(Env.JWT_SECRET_ARN) or None,
        spa_origin=environ.get(Env.SPA_ORIGIN, defaults.spa_origin),
        log_level=environ.get(Env.LOG_LEVEL, defaults.log_level).upper(),
        runner_concurrency=_int(environ, Env.RUNNER_CONCURRENCY, defaults.runner_concurrency),
        job_timeout_seconds=_int(environ, Env.JOB_TIMEOUT_SECONDS, defaults.job_timeout_seconds),
        connection_ttl_seconds=_int(environ, Env.CONNECTION_TTL_SECONDS, defaults.connection_ttl_seconds),
        event_log_ttl_seconds=_int(environ, Env.EVENT_LOG_TTL_SECONDS, defaults.event_log_ttl_seconds),
        upload_max_bytes=_int(environ, Env.UPLOAD_MAX_BYTES, defaults.upload_max_bytes),
        direct_upload_max_bytes=_int(environ, Env.DIRECT_UPLOAD_MAX_BYTES, defaults.direct_upload_max_bytes),
        claude_bin=environ.get(Env.CLAUDE_BIN, defaults.claude_bin),
        tick_interval_seconds=_int(environ, Env.TICK_INTERVAL_SECONDS, defaults.tick_interval_seconds),
        runner_id=environ.get(Env.RUNNER_ID, defaults.runner_id),
        setup_token=environ.get(Env.SETUP_TOKEN) or None,
        setup_token_arn=environ.get(Env.SETUP_TOKEN_ARN) or None,
        jwt_ttl_seconds=_int(environ, Env.JWT_TTL_SECONDS, defaults.jwt_ttl_seconds),
        bcrypt_rounds=_int(environ, Env.BCRYPT_ROUNDS, defaults.bcrypt_rounds),
        postmark_token=environ.get(Env.POSTMARK_TOKEN) or None,
        postmark_token_arn=environ.get(Env.POSTMARK_TOKEN_ARN) or None,
        postmark_api_url=environ.get(Env.POSTMARK_API_URL, defaults.postmark_api_url),
        email_from=environ.get(Env.EMAIL_FROM, defaults.email_from),
        public_url=environ.get(Env.PUBLIC_URL, defaults.public_url).rstrip("/"),
        origin_verify_secret=environ.get(Env.ORIGIN_VERIFY_SECRET) or None,
        origin_verify_secret_arn=environ.get(Env.ORIGIN_VERIFY_SECRET_ARN) or None,
        ecs_agent_uri=environ.get(Env.ECS_AGENT_URI) or None,
        sandbox=environ.get(Env.SANDBOX, defaults.sandbox),  # type: ignore[arg-type]  # checked by validate()
        sandbox_dir=Path(environ[Env.SANDBOX_DIR]) if environ.get(Env.SANDBOX_DIR) else None,
        sandbox_slots=_int(environ, Env.SANDBOX_SLOTS, defaults.sandbox_slots),
        warm_sessions=_int(environ, Env.WARM_SESSIONS, defaults.warm_sessions),
        warm_memory_mb=_int(environ, Env.WARM_MEMORY_MB, defaults.warm_memory_mb),
        warm_idle_seconds=_int(environ, Env.WARM_IDLE_SECONDS, defaults.warm_idle_seconds),
        chat_turn_timeout_seconds=_int(environ, Env.CHAT_TURN_TIMEOUT_SECONDS, defaults.chat_turn_timeout_seconds),
        claude_env=claude_env,
        bedrock_runtime_endpoint=environ.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") or None,
        bedrock_endpoint=environ.get("AWS_ENDPOINT_URL_BEDROCK") or None,
        speech_engine=environ.get(Env.SPEECH_ENGINE) or None,  # type: ignore[arg-type]  # checked by validate()
        transcribe_streaming_endpoint=environ.get("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING") or None,
        audit_retention_days=_int(environ, Env.AUDIT_RETENTION_DAYS, defaults.audit_retention_days),
        aws_call_log=Path(environ[Env.AWS_CALL_LOG]) if environ.get(Env.AWS_CALL_LOG) else None,
    )
    return settings.validate()


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return from_env(os.environ)
