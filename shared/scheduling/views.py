"""Schedules, executions and runs as the API shows them, each read straight from its row.

    ScheduleView.model_validate(schedule_row)        # id from schedule_id, every other field by its name
    ExecutionView.model_validate(execution_row)      # id from execution_id; counts absent until a run ends are 0

Routes declare them as their response models; inputs are in shared/scheduling/schemas.py.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, ConfigDict, Field, computed_field

from shared.schema import Amount, Count, Schema, View


class ScheduleView(View):
    """A cron rule that runs a prompt or a skill in a project."""

    id: str = Field(validation_alias=AliasChoices("schedule_id", "id"))
    name: str
    project_id: str
    kind: str = Field(description="prompt, skill, or on_demand (collects a skill's runs by hand; never due)")
    cron: str | None
    timezone: str
    prompt: str | None
    skill_name: str | None
    timeout_seconds: int
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_status: str | None
    created_at: datetime
    updated_at: datetime


# A view always shows every field: the OpenAPI document says so even of the fields that have a default.
EVERY_FIELD_SHOWN = ConfigDict(json_schema_serialization_defaults_required=True)


class StepView(View):
    """One step of a workflow run, as the runner recorded it."""

    model_config = EVERY_FIELD_SHOWN

    name: str = ""
    status: str = Field(default="pending", description="pending, running, completed, failed, timeout or skipped")
    output_file: str | None = None
    error: str | None = None
    duration_ms: int | None = None


class ExecutionView(View):
    """One run of a schedule or a skill."""

    id: str = Field(validation_alias=AliasChoices("execution_id", "id"))
    schedule_id: str | None
    project_id: str | None
    kind: str = Field(description="prompt or skill")
    skill_name: str | None
    trigger: str = Field(description="schedule, manual or api_key")
    status: str = Field(description="running, completed, failed or timeout")
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    tokens_in: Count
    tokens_out: Count
    cost_usd: Amount
    output_file: str | None = Field(description="Relative to the project's files")
    error: str | None
    steps: list[StepView] | None = Field(description="Workflow skills only: each step in order")


class ExecutionsPage(Schema):
    executions: list[ExecutionView]
    next_before: datetime | None = Field(description="Pass as ?before= for the next (older) page; null at the end")


class RunAccepted(View):
    """A run asked for by a person (202): the execution to poll."""

    model_config = EVERY_FIELD_SHOWN

    execution_id: str
    schedule_id: str
    status: str
    trigger: str
    scheduled_for: datetime | None
    started: bool = Field(
        default=True, description="False when this minute already had a run: that run is the one returned"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def poll_url(self) -> str:
        return f"/api/schedules/{self.schedule_id}/executions/{self.execution_id}"


class PreviewRun(Schema):
    utc: str = Field(examples=["2025-03-31T07:00:00Z"])
    local: str = Field(examples=["2025-03-31T09:00:00+02:00"])


class Preview(Schema):
    """The next runs of a cron expression in a time zone."""

    cron: str
    timezone: str
    runs: list[PreviewRun]
