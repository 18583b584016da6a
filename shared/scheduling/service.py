"""Schedules of the caller: create, list, read, edit, delete, run now, history, and a preview of the next runs.

Only the owner (or an administrator) reaches a schedule; anyone else is told it does not exist. Creating,
editing and running need write access to the schedule's project; the runner checks that again at run time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from shared.accounts.domain import Principal
from shared.errors import ConflictError, NotFoundError, ValidationError
from shared.models.base import utcnow
from shared.models.schedules import Schedule, ScheduleKind
from shared.projects import service as projects
from shared.projects.views import ProjectView
from shared.scheduling import cron, executions, launch, quotas, store
from shared.scheduling.schemas import MAX_NAME, MAX_PROMPT_CHARS, ScheduleIn, ScheduleUpdate
from shared.scheduling.views import ExecutionsPage, ExecutionView, Preview, PreviewRun, RunAccepted, ScheduleView
from shared.skills import document, files

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


def create(caller: Principal, new: ScheduleIn, *, now: datetime | None = None) -> ScheduleView:
    project = projects.open_project(caller, new.project_id, write=True)
    wanted = _checked(ScheduleUpdate(**new.model_dump(exclude={"project_id"})), project, previous=None)
    quotas.check(caller.user_id, wanted, previous=None)
    row = store.create_schedule(
        user_id=caller.user_id,
        project_id=project.project_id,
        name=str(wanted.name),
        cron=wanted.cron,
        timezone=str(wanted.timezone),
        kind=ScheduleKind.SKILL.value if wanted.skill_name else ScheduleKind.PROMPT.value,
        prompt=wanted.prompt,
        skill_name=wanted.skill_name,
        timeout_seconds=wanted.timeout_seconds,
        enabled=bool(wanted.enabled),
        now=now,
    )
    return ScheduleView.model_validate(row)


def list_for(caller: Principal, *, project_id: str | None = None) -> list[ScheduleView]:
    """The caller's own schedules, newest first, optionally of one project."""
    rows = store.for_user(caller.user_id)
    return [ScheduleView.model_validate(row) for row in rows if project_id is None or row.project_id == project_id]


def get(caller: Principal, schedule_id: str) -> ScheduleView:
    return ScheduleView.model_validate(_owned(caller, schedule_id))


def update(
    caller: Principal, schedule_id: str, changes: dict[str, Any], *, now: datetime | None = None
) -> ScheduleView:
    """Apply `changes` (ScheduleUpdate field names); cron, time zone or enabled recompute the next run."""
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
        previous = ScheduleUpdate.model_validate(row, from_attributes=True)  # every field, as it is now
        wanted = previous.model_copy(update=changes)
        if row.kind != ScheduleKind.ON_DEMAND.value:
            wanted = _checked(wanted, project, previous=previous)
            quotas.check(row.user_id, wanted, previous=previous)
        else:
            wanted = wanted.model_copy(update={"name": _name(wanted.name)})
            store.check_timeout(int(wanted.timeout_seconds or 0))
        if store.edit(row, wanted.model_dump(), now=now or utcnow()):
            return ScheduleView.model_validate(row)
    raise ConflictError("The schedule changed while your edit was being saved; try again.", code="edit_conflict")


def delete(caller: Principal, schedule_id: str) -> None:
    """Delete a schedule and its history (the files its runs wrote stay in the project)."""
    row = _owned(caller, schedule_id)
    executions.delete_for_schedule(row.schedule_id)
    store.delete(row)


def run_now(caller: Principal, schedule_id: str, *, now: datetime | None = None) -> RunAccepted:
    """A run for the current minute; asking again within the minute returns the same run."""
    row = _owned(caller, schedule_id)
    projects.open_project(caller, row.project_id, write=True)
    return launch.run_now(row, caller, now=now or utcnow())


def history(caller: Principal, schedule_id: str, *, before: datetime | None, limit: int) -> ExecutionsPage:
    """The schedule's runs newest first, and the `before` of the next page (None on the last page)."""
    row = _owned(caller, schedule_id)
    page = executions.history(row.schedule_id, before=before, limit=limit)
    next_before = page[-1].started_at if len(page) == limit else None
    return ExecutionsPage(executions=[ExecutionView.model_validate(run) for run in page], next_before=next_before)


def execution(caller: Principal, schedule_id: str, execution_id: str) -> ExecutionView:
    row = _owned(caller, schedule_id)
    found = executions.get(execution_id) if re.fullmatch(r"[0-9a-f]{32,64}", execution_id) else None
    if found is None or found.schedule_id != row.schedule_id:
        raise NotFoundError("This schedule has no such run.", code="execution_not_found")
    return ExecutionView.model_validate(found)


def preview(expression: str, timezone: str, *, now: datetime | None = None) -> Preview:
    """The next runs of `expression` in UTC and in `timezone`, or a ValidationError saying why not."""
    where = cron.zone(timezone)
    slots = cron.upcoming(expression, timezone, now or utcnow(), PREVIEW_RUNS)
    runs = [PreviewRun(utc=f"{slot:%Y-%m-%dT%H:%M:%SZ}", local=slot.astimezone(where).isoformat()) for slot in slots]
    return Preview(cron=" ".join(expression.split()), timezone=timezone, runs=runs)


def _owned(caller: Principal, schedule_id: str) -> Schedule:
    row = store.get(schedule_id) if _SCHEDULE_ID.fullmatch(schedule_id or "") else None
    if row is None or (row.user_id != caller.user_id and not caller.is_admin):
        raise NotFoundError("There is no such schedule.", code="schedule_not_found")
    return row


def _checked(wanted: ScheduleUpdate, project: ProjectView, *, previous: ScheduleUpdate | None) -> ScheduleUpdate:
    """`wanted` normalised, or a ValidationError naming the first problem."""
    name = _name(wanted.name)
    cron.validate(wanted.cron or "", wanted.timezone or "")
    store.check_timeout(int(wanted.timeout_seconds or 0))
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
        if not files.exists(project.s3_prefix, wanted.skill_name):
            raise ValidationError(
                f"This project has no skill '{wanted.skill_name}' (.claude/skills/{wanted.skill_name}/SKILL.md).",
                code="unknown_skill",
            )
    return wanted.model_copy(update={"name": name, "cron": " ".join((wanted.cron or "").split()), "prompt": prompt})


def _name(value: str | None) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_NAME or _BAD_NAME.search(value):
        raise ValidationError(
            f"A schedule's name is 1 to {MAX_NAME} characters, without control characters.", code="invalid_name"
        )
    return value
