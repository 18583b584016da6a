"""Every DynamoDB table of Sasha Studio, one PynamoDB model each (see docs/data-model.md)."""

from shared.models.accounts import (
    FIRST_USER_CLAIM,
    ClaimKind,
    PasswordReset,
    RateLimit,
    RateLimitScope,
    UniqueClaim,
    User,
    claim_key,
    rate_limit_bucket,
)
from shared.models.admin import (
    ACTIVE_CONFIG_ID,
    GLOBAL_SCOPE,
    AiProvider,
    BedrockConfig,
    BedrockContextAudit,
    ProviderTestStatus,
    Setting,
    user_scope,
)
from shared.models.api_keys import API_KEY_PREFIX, ApiKey
from shared.models.base import StudioModel, all_models, bind_models, table_specs
from shared.models.chat import ExchangeStatus, PermissionMode, RawExchange, Session, SessionEvent, SessionStatus
from shared.models.cloud import (
    AccessMode,
    CloudConnection,
    CloudCredential,
    CloudMount,
    CloudProvider,
    ConnectionStatus,
    MountHealth,
    ProviderType,
)
from shared.models.connections import Connection
from shared.models.counters import ACTIVE_ADMINS, Counter
from shared.models.fields import SealedSecret, composite, normalize_key, time_sort_key
from shared.models.files import TERMINAL_UPLOAD_STATES, FileTree, Upload, UploadState
from shared.models.integrations import CallbackStatus, IntegrationRun
from shared.models.jobs import Job, JobStatus
from shared.models.meetings import Meeting, MeetingStatus, TranscriptSegment
from shared.models.onboarding import COMPANY_PROFILE_ID, CompanyProfile, ResearchDocument, ResearchStatus
from shared.models.projects import Project, ProjectMember, ProjectRole
from shared.models.prompts import Guide, Persona, PromptScope, PromptVersion, prompt_scope_key
from shared.models.schedules import Execution, ExecutionStatus, Schedule
from shared.models.usage import QualitySignal, UsageEvent, UsageKind

__all__ = [
    "ACTIVE_ADMINS",
    "ACTIVE_CONFIG_ID",
    "API_KEY_PREFIX",
    "COMPANY_PROFILE_ID",
    "FIRST_USER_CLAIM",
    "GLOBAL_SCOPE",
    "TERMINAL_UPLOAD_STATES",
    "AccessMode",
    "AiProvider",
    "ApiKey",
    "BedrockConfig",
    "BedrockContextAudit",
    "CallbackStatus",
    "ClaimKind",
    "CloudConnection",
    "CloudCredential",
    "CloudMount",
    "CloudProvider",
    "CompanyProfile",
    "Connection",
    "ConnectionStatus",
    "Counter",
    "ExchangeStatus",
    "Execution",
    "ExecutionStatus",
    "FileTree",
    "Guide",
    "IntegrationRun",
    "Job",
    "JobStatus",
    "Meeting",
    "MeetingStatus",
    "MountHealth",
    "PasswordReset",
    "PermissionMode",
    "Persona",
    "Project",
    "ProjectMember",
    "ProjectRole",
    "PromptScope",
    "PromptVersion",
    "ProviderTestStatus",
    "ProviderType",
    "QualitySignal",
    "RateLimit",
    "RateLimitScope",
    "RawExchange",
    "ResearchDocument",
    "ResearchStatus",
    "Schedule",
    "SealedSecret",
    "Session",
    "SessionEvent",
    "SessionStatus",
    "Setting",
    "StudioModel",
    "TranscriptSegment",
    "UniqueClaim",
    "Upload",
    "UploadState",
    "UsageEvent",
    "UsageKind",
    "User",
    "all_models",
    "bind_models",
    "claim_key",
    "composite",
    "normalize_key",
    "prompt_scope_key",
    "rate_limit_bucket",
    "table_specs",
    "time_sort_key",
    "user_scope",
]
