"""What the API shows of the AI provider: never a credential, only hints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.models.admin import AiProvider
from shared.schema import View

__all__ = [
    "AiProvider",
    "AnthropicState",
    "BedrockModel",
    "BedrockModels",
    "BedrockState",
    "ContextAuditEntry",
    "CredentialCheck",
    "LastTest",
    "ProviderStatus",
]

KeySource = Literal["product", "environment"]
Outcome = Literal[
    "ok", "invalid_key", "access_denied", "no_credit", "rate_limited", "model_unavailable", "network", "upstream_error"
]


class AnthropicState(View):
    key_hint: str | None = None  # "…abcd"
    key_source: KeySource | None = None


class BedrockState(View):
    region: str | None = None
    access_key_hint: str | None = None
    use_task_role: bool = False
    model_id: str | None = None
    context_1m_enabled: bool = Field(default=False, serialization_alias="context1mEnabled")
    task_role_available: bool = False  # in the cloud the runner's task role may call Bedrock


class LastTest(View):
    status: Literal["untested", "passed", "failed"] = "untested"
    message: str | None = None
    tested_at: datetime | None = None
    provider: str | None = None


class ProviderStatus(View):
    """GET /api/admin/ai-provider: the provider in use and everything an administrator needs to judge it."""

    provider: Literal["anthropic", "bedrock"]
    configured: bool
    source: KeySource | None = None  # where the provider in use was set
    model: str | None = None  # the model in use (None: the CLI's default)
    anthropic: AnthropicState
    bedrock: BedrockState
    test: LastTest
    updated_at: datetime | None = None
    updated_by: str | None = None


class CredentialCheck(View):
    """The answer of one minimal model call: whether the credential works, and if not, why, for a person."""

    ok: bool
    outcome: Outcome
    message: str
    provider: Literal["anthropic", "bedrock"]
    model: str | None = None
    status: int | None = None  # the upstream's HTTP status, when it answered
    tested_at: datetime


class ContextAuditEntry(View):
    user_id: str
    username: str | None = None
    enabled: bool
    acknowledgment: str | None = None
    created_at: datetime


class BedrockModel(View):
    id: str
    name: str


class BedrockModels(View):
    models: list[BedrockModel]
    source: Literal["bedrock", "default"]
    message: str | None = None
