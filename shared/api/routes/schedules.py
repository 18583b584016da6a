"""Schedules of the caller: CRUD, run now, run history, and a preview of a cron expression's next runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from shared.api.deps import CurrentUser
from shared.scheduling import cron, service
from shared.scheduling.schemas import ScheduleIn, ScheduleUpdate
from shared.scheduling.views import ExecutionsPage, ExecutionView, Preview, RunAccepted, ScheduleView

router = APIRouter(prefix="/schedules", tags=["schedules"])


@router.get("", response_model=list[ScheduleView], summary="Your schedules, newest first")
def list_schedules(
    caller: CurrentUser, project_id: Annotated[str | None, Query(alias="projectId", max_length=64)] = None
) -> list[ScheduleView]:
    return service.list_for(caller, project_id=project_id)


@router.post("", response_model=ScheduleView, status_code=201, summary="Create a schedule")
def create_schedule(body: ScheduleIn, caller: CurrentUser) -> ScheduleView:
    return service.create(caller, body)


@router.get("/preview", response_model=Preview, summary="The next 5 runs of a cron expression")
def preview(
    caller: CurrentUser,
    cron_expression: Annotated[str, Query(alias="cron", max_length=cron.MAX_EXPRESSION_LENGTH)],
    timezone: Annotated[str, Query(max_length=64)] = "UTC",
) -> Preview:
    return service.preview(cron_expression, timezone)


@router.get("/{schedule_id}", response_model=ScheduleView, summary="One of your schedules")
def get_schedule(schedule_id: str, caller: CurrentUser) -> ScheduleView:
    return service.get(caller, schedule_id)


@router.patch("/{schedule_id}", response_model=ScheduleView, summary="Change a schedule")
def update_schedule(schedule_id: str, body: ScheduleUpdate, caller: CurrentUser) -> ScheduleView:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    return service.update(caller, schedule_id, changes)


@router.delete("/{schedule_id}", status_code=204, summary="Delete a schedule and its run history")
def delete_schedule(schedule_id: str, caller: CurrentUser) -> Response:
    service.delete(caller, schedule_id)
    return Response(status_code=204)


@router.post("/{schedule_id}/run", response_model=RunAccepted, status_code=202, summary="Run now (once per minute)")
def run_now(schedule_id: str, caller: CurrentUser) -> RunAccepted:
    return service.run_now(caller, schedule_id)


@router.get("/{schedule_id}/executions", response_model=ExecutionsPage, summary="Run history, newest first")
def list_executions(
    schedule_id: str,
    caller: CurrentUser,
    before: Annotated[datetime | None, Query(description="startedAt of the last run already shown")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ExecutionsPage:
    if before is not None and before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    return service.history(caller, schedule_id, before=before, limit=limit)


@router.get("/{schedule_id}/executions/{execution_id}", response_model=ExecutionView, summary="One run")
def get_execution(schedule_id: str, execution_id: str, caller: CurrentUser) -> ExecutionView:
    return service.execution(caller, schedule_id, execution_id)
