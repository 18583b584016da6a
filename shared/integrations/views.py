"""Integration runs as the API shows them, and what an integration sends to start one.

A run's live state is its turn's: `status`, `result`, `error`, `usage`, `costUsd`, `durationMs` and `finishedAt`
come from the chat turn it became (shared/integrations/service.py lays them over the run's record).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, ConfigDict, Field

from shared.schema import Schema, View
from shared.settings import get_settings

RunStatus = Literal["queued", "running", "completed", "failed", "aborted"]
CallbackStatus = Literal["pending", "delivered", "failed"]
# A view always shows every field: the OpenAPI document says so even of the fields that have a default.
EVERY_FIELD_SHOWN = ConfigDict(json_schema_serialization_defaults_required=True)


class RunIn(Schema):
    project_id: Annotated[str, Field(max_length=64)]
    prompt: str
    permission_mode: Literal["acceptEdits", "plan"] | None = Field(
        default=None, description="acceptEdits (the default: nobody is there to approve) or plan"
    )
    callback_url: Annotated[str | None, Field(default=None, max_length=2048)] = Field(
        default=None, description="Overrides the key's callback URL for this run"
    )
    metadata: dict[str, Any] | None = Field(default=None, description="A small JSON object echoed in the callback")


class RunUsage(View):
    """The tokens of the run's turn (all 0 until it has used any)."""

    model_config = EVERY_FIELD_SHOWN

    input_tokens: int = Field(default=0, validation_alias=AliasChoices("tokens_in", "input_tokens"))
    output_tokens: int = Field(default=0, validation_alias=AliasChoices("tokens_out", "output_tokens"))
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class CallbackView(View):
    """The delivery of the run's callback, read from the run's record."""

    url: str = Field(validation_alias=AliasChoices("callback_url", "url"))
    status: Annotated[CallbackStatus, BeforeValidator(lambda value: value or "pending")] = Field(
        validation_alias=AliasChoices("callback_status", "status")
    )
    attempts: int = Field(validation_alias=AliasChoices("callback_attempts", "attempts"))


class RunView(View):
    """An integration run: its record, with the live state of its turn laid over it."""

    model_config = EVERY_FIELD_SHOWN

    id: str = Field(validation_alias=AliasChoices("run_id", "id"))
    status: RunStatus
    result: str | None = Field(default=None, description="The response text, once the run is done")
    error: str | None = None
    usage: RunUsage = RunUsage()
    cost_usd: float = 0.0
    duration_ms: int | None = None
    session_id: str | None
    project_id: str
    metadata: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None
    callback: CallbackView | None = Field(description="None when the run has no callback URL")

    @property
    def poll_url(self) -> str:
        return f"{get_settings().public_url}/api/integrations/runs/{self.id}"


class RunQueued(View):
    """The answer to a new run (202): where to poll it."""

    id: str
    status: RunStatus
    session_id: str
    poll_url: str
