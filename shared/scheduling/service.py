"""Schedules of the caller: create, list, read, edit, delete, run now, history, and a preview of the next runs.

Only the owner (or an administrator) reaches a schedule; anyone else is told it does not exist. Creating,
editing and running need write access to the schedule's project; the runner checks that again at run time.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.accounts.domain import Principal
from shared.errors import ConflictError, NotFoundError, ValidationError
from shared.models.base import utcnow
from shared.models.schedules import Schedule, ScheduleKind
from shared.projects import service as projects
from shared.projects.service import ProjectView
from shared.scheduling import cron, executions, runs, store
from shared.scheduling.runs import RunStarted
from shared.scheduling.views import ExecutionView, ScheduleView
from shared.skills import document
from shared.skills import store as skill_files

MAX_NAME = 100
MAX_PROMPT_CHARS = 24_000
PREVIEW_RUNS = 5
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f]")
_SCHEDULE_ID = re.compile(r"[0-9a-f]{32}")
_EDIT_ATTEMPTS = 3
ON_DEMAND_EDITABLE = {"name", "timeout_seconds"}
# Fields that can change but never be empty, with their names on the wire.
_NOT_NULL = {
    "name": "name",
    "cron": "cron",
    "timezone": "timezone",
    "timeout_seconds": "timeoutSeconds",
    "enabled": "enabled",
}


@dataclass(frozen=True, slots=True)
class NewSchedule:
    name: str
    project_id: str
    cron: str
    timezone: str = "UTC"
    prompt: str | None = None
    skill_name: str | None = None
    timeout_seconds: int = store.DEFAULT_TIMEOUT_SECONDS
    enabled: bool = True


def create(caller: Principal, new: NewSchedule, *, now: datetime | None = None) -> ScheduleView:
    project = projects.open_project(caller, new.project_id, write=True)
    wanted = store.Editable(
        name=new.name,
        cron=new.cron,
        timezone=new.timezone,
        prompt=new.prompt,
        skill_name=new.skill_name,
        timeout_seconds=new.timeout_seconds,
        enabled=new.enabled,
    )
    wanted = _checked(wanted, project, previous=None)
    row = store.create_schedule(
        user_id=caller.user_id,
        project_id=project.project_id,
        name=wanted.name,
        cron=wanted.cron,
        timezone=wanted.timezone,
        kind=ScheduleKind.SKILL.value if wanted.skill_name else ScheduleKind.PROMPT.value,
        prompt=wanted.prompt,
        skill_name=wanted.skill_name,
        timeout_seconds=wanted.timeout_seconds,
        enabled=wanted.enabled,
        now=now,
    )
    return ScheduleView.of(row)


def list_for(caller: Principal, *, project_id: str | None = None) -> list[ScheduleView]:
    """The caller's own schedules, newest first, optionally of one project."""
    rows = store.for_user(caller.user_id)
    return [ScheduleView.of(row) for row in rows if project_id is None or row.project_id == project_id]


def get(caller: Principal, schedule_id: str) -> ScheduleView:
    return ScheduleView.of(_owned(caller, schedule_id))


def update(
    caller: Principal, schedule_id: str, changes: dict[str, Any], *, now: datetime | None = None
) -> ScheduleView:
    """Apply `changes` (Editable field names); cron, time zone or enabled recompute the next run."""
    for field, wire in _NOT_NULL.items():
        if field in changes and changes[field] is None:
            raise ValidationError(f"'{wire}' cannot be null; leave it out to keep it as it is.", code="invalid_request")
    for _ in range(_EDIT_ATTEMPTS):
        row = _owned(caller, schedule_id)
        if row.kind == ScheduleKind.ON_DEMAND.value and set(changes) - ON_DEMAND_EDITABLE:
            raise ValidationError(
                "This schedule collects the runs of a skill run by hand: only its name and timeout can change.",
                code="on_demand_schedule",
            )
        project = projects.open_project(caller, row.project_id, write=True)
        previous = store.Editable.of(row)
        wanted = dataclasses.replace(previous, **changes)
        if row.kind != ScheduleKind.ON_DEMAND.value:
            wanted = _checked(wanted, project, previous=previous)
        else:
            wanted = dataclasses.replace(wanted, name=_name(wanted.name))
            store.check_timeout(wanted.timeout_seconds)
        if store.edit(row, wanted, now=now or utcnow()):
            return ScheduleView.of(row)
    raise ConflictError("The schedule changed while your edit was being saved; try again.", code="edit_conflict")


def delete(caller: Principal, schedule_id: str) -> None:
    """Delete a schedule and its history (the files its runs wrote stay in the project)."""
    row = _owned(caller, schedule_id)
    executions.delete_for_schedule(row.schedule_id)
    store.delete(row)


def run_now(caller: Principal, schedule_id: str, *, now: datetime | None = None) -> RunStarted:
    """A run for the current minute; asking again within the minute returns the same run."""
    row = _owned(caller, schedule_id)
    projects.open_project(caller, row.project_id, write=True)
    return runs.run_now(row, caller, now=now or utcnow())


def history(
    caller: Principal, schedule_id: str, *, before: datetime | None, limit: int
) -> tuple[list[ExecutionView], datetime | None]:
    """The schedule's runs newest first, and the `before` of the next page (None on the last page)."""
    row = _owned(caller, schedule_id)
    page = executions.history(row.schedule_id, before=before, limit=limit)
    next_before = page[-1].started_at if len(page) == limit else None
    return [ExecutionView.of(execution) for execution in page], next_before


def execution(caller: Principal, schedule_id: str, execution_id: str) -> ExecutionView:
    row = _owned(caller, schedule_id)
    found = executions.get(execution_id) if re.fullmatch(r"[0-9a-f]{32,64}", execution_id) else None
    if found is None or found.schedule_id != row.schedule_id:
        raise NotFoundError("This schedule has no such run.", code="execution_not_found")
    return ExecutionView.of(found)


def preview(expression: str, timezone: str, *, now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """The next runs of `expression` as (UTC, local time in `timezone`), or a ValidationError saying why not."""
    where = cron.zone(timezone)
    return [
        (slot, slot.astimezone(where)) for slot in cron.upcoming(expression, timezone, now or utcnow(), PREVIEW_RUNS)
    ]


def _owned(caller: Principal, schedule_id: str) -> Schedule:
    row = store.get(schedule_id) if _SCHEDULE_ID.fullmatch(schedule_id or "") else None
    if row is None or (row.user_id != caller.user_id and not caller.is_admin):
        raise NotFoundError("There is no such schedule.", code="schedule_not_found")
    return row


def _checked(wanted: store.Editable, project: ProjectView, *, previous: store.Editable | None) -> store.Editable:
    """`wanted` normalised, or a ValidationError naming the first problem."""
    name = _name(wanted.name)
    cron.validate(wanted.cron or "", wanted.timezone)
    store.check_timeout(wanted.timeout_seconds)
    prompt = wanted.prompt if wanted.prompt is None or wanted.prompt.strip() else None
    if (prompt is None) == (wanted.skill_name is None):
        raise ValidationError(
            "A schedule runs either a prompt or a skill: give 'prompt' or 'skillName', not both and not neither.",
            code="prompt_or_skill",
        )
    if prompt is not None and len(prompt) > MAX_PROMPT_CHARS:
        raise ValidationError(f"The prompt is longer than {MAX_PROMPT_CHARS:,} characters.", code="prompt_too_long")
    if wanted.skill_name is not None and (previous is None or wanted.skill_name != previous.skill_name):
        document.check_name(wanted.skill_name)
        if not skill_files.exists(project.s3_prefix, wanted.skill_name):
            raise ValidationError(
                f"This project has no skill '{wanted.skill_name}' (.claude/skills/{wanted.skill_name}/SKILL.md).",
                code="unknown_skill",
            )
    return dataclasses.replace(wanted, name=name, cron=" ".join((wanted.cron or "").split()), prompt=prompt)


def _name(value: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_NAME or _BAD_NAME.search(value):
        raise ValidationError(
            f"A schedule's name is 1 to {MAX_NAME} characters, without control characters.", code="invalid_name"
        )
    return value
