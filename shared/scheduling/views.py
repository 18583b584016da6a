"""Schedules and executions as the API shows them (not the table rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.models.schedules import Execution, Schedule


@dataclass(frozen=True, slots=True)
class ScheduleView:
    schedule_id: str
    name: str
    project_id: str
    kind: str  # prompt, skill or on_demand
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
    def of(cls, row: Schedule) -> ScheduleView:
        return cls(
            schedule_id=row.schedule_id,
            name=row.name,
            project_id=row.project_id,
            kind=row.kind,
            cron=row.cron,
            timezone=row.timezone,
            prompt=row.prompt,
            skill_name=row.skill_name,
            timeout_seconds=int(row.timeout_seconds),
            enabled=bool(row.enabled),
            next_run_at=row.next_run_at,
            last_run_at=row.last_run_at,
            last_status=row.last_status,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class StepView:
    name: str
    status: str  # pending, running, completed, failed, timeout or skipped
    output_file: str | None
    error: str | None
    duration_ms: int | None

    @classmethod
    def of(cls, step: dict[str, Any]) -> StepView:
        duration = step.get("duration_ms")
        return cls(
            name=str(step.get("name", "")),
            status=str(step.get("status", "pending")),
            output_file=step.get("output_file"),
            error=step.get("error"),
            duration_ms=int(duration) if duration is not None else None,
        )


@dataclass(frozen=True, slots=True)
class ExecutionView:
    execution_id: str
    schedule_id: str | None
    project_id: str | None
    kind: str  # prompt or skill
    skill_name: str | None
    trigger: str  # schedule, manual or api_key
    status: str  # running, completed, failed or timeout
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    tokens_in: int
    tokens_out: int
    cost_usd: float
    output_file: str | None
    error: str | None
    steps: list[StepView] | None

    @classmethod
    def of(cls, row: Execution) -> ExecutionView:
        return cls(
            execution_id=row.execution_id,
            schedule_id=row.schedule_id,
            project_id=row.project_id,
            kind=row.kind,
            skill_name=row.skill_name,
            trigger=row.trigger,
            status=row.status,
            scheduled_for=row.scheduled_for,
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration_ms=int(row.duration_ms) if row.duration_ms is not None else None,
            tokens_in=int(row.tokens_in or 0),
            tokens_out=int(row.tokens_out or 0),
            cost_usd=float(row.cost_usd or 0),
            output_file=row.output_file,
            error=row.error,
            steps=[StepView.of(step) for step in row.steps] if row.steps is not None else None,
        )
