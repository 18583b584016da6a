"""Schedules of the caller: CRUD, run now, run history, and a preview of a cron expression's next runs."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from shared.api.deps import CurrentUser
from shared.api.schemas import Schema
from shared.scheduling import cron, service
from shared.scheduling.runs import RunStarted
from shared.scheduling.service import NewSchedule
from shared.scheduling.store import DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS
from shared.scheduling.views import ExecutionView, ScheduleView

router = APIRouter(prefix="/schedules", tags=["schedules"])

Name = Annotated[str, Field(min_length=1, max_length=service.MAX_NAME)]
Cron = Annotated[str, Field(min_length=1, max_length=cron.MAX_EXPRESSION_LENGTH, examples=["0 9 * * 1-5"])]
TimeZone = Annotated[str, Field(min_length=1, max_length=64, examples=["Europe/Paris"])]
Prompt = Annotated[str, Field(max_length=service.MAX_PROMPT_CHARS)]
SkillName = Annotated[str, Field(max_length=64)]
Timeout = Annotated[int, Field(ge=1, le=MAX_TIMEOUT_SECONDS)]


class ScheduleIn(Schema):
    name: Name
    project_id: Annotated[str, Field(max_length=64)]
    cron: Cron
    timezone: TimeZone = "UTC"
    prompt: Prompt | None = Field(default=None, description="The prompt to run; give this or skillName")
    skill_name: SkillName | None = Field(default=None, description="A skill of the project; give this or prompt")
    timeout_seconds: Timeout = DEFAULT_TIMEOUT_SECONDS
    enabled: bool = True


class ScheduleUpdate(Schema):
    """Only the fields sent change. `prompt` and `skillName` may be null (to switch from one to the other)."""

    name: Name | None = None
    cron: Cron | None = None
    timezone: TimeZone | None = None
    prompt: Prompt | None = None
    skill_name: SkillName | None = None
    timeout_seconds: Timeout | None = None
    enabled: bool | None = None


class ScheduleOut(Schema):
    id: str
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

    @classmethod
    def of(cls, view: ScheduleView) -> ScheduleOut:
        fields = asdict(view)  # the same fields, with the id under its public name
        fields["id"] = fields.pop("schedule_id")
        return cls(**fields)


class StepOut(Schema):
    name: str
    status: str = Field(description="pending, running, completed, failed, timeout or skipped")
    output_file: str | None
    error: str | None
    duration_ms: int | None


class ExecutionOut(Schema):
    id: str
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
    tokens_in: int
    tokens_out: int
    cost_usd: float
    output_file: str | None = Field(description="Relative to the project's files")
    error: str | None
    steps: list[StepOut] | None = Field(description="Workflow skills only: each step in order")

    @classmethod
    def of(cls, view: ExecutionView) -> ExecutionOut:
        fields = asdict(view)  # nested step views become dicts, which validate as StepOut
        fields["id"] = fields.pop("execution_id")
        return cls(**fields)


class ExecutionsPage(Schema):
    executions: list[ExecutionOut]
    next_before: datetime | None = Field(description="Pass as ?before= for the next (older) page; null at the end")


class RunAccepted(Schema):
    execution_id: str
    schedule_id: str
    status: str
    trigger: str
    scheduled_for: datetime | None
    started: bool = Field(description="False when this minute already had a run: that run is the one returned")
    poll_url: str

    @classmethod
    def of(cls, run: RunStarted) -> RunAccepted:
        return cls(
            execution_id=run.execution_id,
            schedule_id=run.schedule_id,
            status=run.status,
            trigger=run.trigger,
            scheduled_for=run.scheduled_for,
            started=run.started,
            poll_url=f"/api/schedules/{run.schedule_id}/executions/{run.execution_id}",
        )


class PreviewRun(Schema):
    utc: str = Field(examples=["2025-03-31T07:00:00Z"])
    local: str = Field(examples=["2025-03-31T09:00:00+02:00"])


class PreviewOut(Schema):
    cron: str
    timezone: str
    runs: list[PreviewRun]


@router.get("", response_model=list[ScheduleOut], summary="Your schedules, newest first")
def list_schedules(
    caller: CurrentUser, project_id: Annotated[str | None, Query(alias="projectId", max_length=64)] = None
) -> list[ScheduleOut]:
    return [ScheduleOut.of(view) for view in service.list_for(caller, project_id=project_id)]


@router.post("", response_model=ScheduleOut, status_code=201, summary="Create a schedule")
def create_schedule(body: ScheduleIn, caller: CurrentUser) -> ScheduleOut:
    return ScheduleOut.of(service.create(caller, NewSchedule(**body.model_dump())))


@router.get("/preview", response_model=PreviewOut, summary="The next 5 runs of a cron expression")
def preview(
    caller: CurrentUser,
    cron_expression: Annotated[str, Query(alias="cron", max_length=cron.MAX_EXPRESSION_LENGTH)],
    timezone: Annotated[str, Query(max_length=64)] = "UTC",
) -> PreviewOut:
    runs = [
        PreviewRun(utc=utc.strftime("%Y-%m-%dT%H:%M:%SZ"), local=local.isoformat())
        for utc, local in service.preview(cron_expression, timezone)
    ]
    return PreviewOut(cron=" ".join(cron_expression.split()), timezone=timezone, runs=runs)


@router.get("/{schedule_id}", response_model=ScheduleOut, summary="One of your schedules")
def get_schedule(schedule_id: str, caller: CurrentUser) -> ScheduleOut:
    return ScheduleOut.of(service.get(caller, schedule_id))


@router.patch("/{schedule_id}", response_model=ScheduleOut, summary="Change a schedule")
def update_schedule(schedule_id: str, body: ScheduleUpdate, caller: CurrentUser) -> ScheduleOut:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    return ScheduleOut.of(service.update(caller, schedule_id, changes))


@router.delete("/{schedule_id}", status_code=204, summary="Delete a schedule and its run history")
def delete_schedule(schedule_id: str, caller: CurrentUser) -> Response:
    service.delete(caller, schedule_id)
    return Response(status_code=204)


@router.post("/{schedule_id}/run", response_model=RunAccepted, status_code=202, summary="Run now (once per minute)")
def run_now(schedule_id: str, caller: CurrentUser) -> RunAccepted:
    return RunAccepted.of(service.run_now(caller, schedule_id))


@router.get("/{schedule_id}/executions", response_model=ExecutionsPage, summary="Run history, newest first")
def list_executions(
    schedule_id: str,
    caller: CurrentUser,
    before: Annotated[datetime | None, Query(description="startedAt of the last run already shown")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ExecutionsPage:
    if before is not None and before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    page, next_before = service.history(caller, schedule_id, before=before, limit=limit)
    return ExecutionsPage(executions=[ExecutionOut.of(view) for view in page], next_before=next_before)


@router.get("/{schedule_id}/executions/{execution_id}", response_model=ExecutionOut, summary="One run")
def get_execution(schedule_id: str, execution_id: str, caller: CurrentUser) -> ExecutionOut:
    return ExecutionOut.of(service.execution(caller, schedule_id, execution_id))
