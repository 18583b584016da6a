"""Runs asked for by a person: "run now" of a schedule and a run of a skill, each an execution and a queued job.

    put Execution(id, running) if the id is not taken      # run now: id = sha256(schedule_id|this minute)
      ├─ taken: this minute already runs → return that execution, queue nothing
      └─ won:   enqueue the job (job id = execution id, group = schedule id, timeout = the run's)
                └─ enqueue failed → execution failed, schedule last_status failed, 503 to the caller

A skill runs through the caller's on-demand schedule for it (made on its first run: it collects the skill's
history), with a random execution id: every call is a run of its own. The runner does the rest
(runner/jobs/executions.py).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from shared import jobs
from shared.accounts.domain import Principal
from shared.errors import ConflictError, ServiceUnavailableError, StudioError
from shared.logs import logger
from shared.models.base import utcnow
from shared.models.schedules import Execution, ExecutionStatus, Schedule, ScheduleKind
from shared.scheduling import executions, store
from shared.scheduling.tick import DEADLINE_GRACE, QUEUE_ERROR, SCHEDULE_JOB_TYPE
from shared.scheduling.views import RunAccepted
from shared.skills import service as skills

SKILL_JOB_TYPE = "skill.run"


def trigger_of(caller: Principal) -> str:
    return "api_key" if caller.via == "api_key" else "manual"


def run_now(schedule: Schedule, caller: Principal, *, now: datetime) -> RunAccepted:
    """Run `schedule` for the current minute; a second call in the same minute returns the first run."""
    minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    execution_id = executions.execution_id_for(schedule.schedule_id, minute)
    return _start(
        schedule,
        execution_id,
        job_type=SCHEDULE_JOB_TYPE,
        trigger=trigger_of(caller),
        scheduled_for=minute,
        now=now,
        timeout_seconds=None,
    )


def run_skill(
    caller: Principal, project_id: str, name: str, *, timeout_seconds: int | None = None, now: datetime | None = None
) -> RunAccepted:
    """Check the skill, then start a run of it (202: the runner reports through the execution)."""
    project = skills.runnable(caller, project_id, name)
    if timeout_seconds is not None:
        store.check_timeout(timeout_seconds)
    now = now or utcnow()
    schedule = ensure_on_demand(user_id=caller.user_id, project_id=project.project_id, skill_name=name, now=now)
    return _start(
        schedule,
        uuid.uuid4().hex,
        job_type=SKILL_JOB_TYPE,
        trigger=trigger_of(caller),
        scheduled_for=now,
        now=now,
        timeout_seconds=timeout_seconds,
    )


def on_demand_id(user_id: str, project_id: str, skill_name: str) -> str:
    """The id of a user's on-demand schedule for one skill of one project: stable, so it is made only once."""
    return hashlib.sha256(f"on_demand|{user_id}|{project_id}|{skill_name}".encode()).hexdigest()[:32]


def ensure_on_demand(*, user_id: str, project_id: str, skill_name: str, now: datetime) -> Schedule:
    """The on-demand schedule that collects a skill's runs by hand, created on the first run."""
    schedule_id = on_demand_id(user_id, project_id, skill_name)
    existing = store.get(schedule_id)
    if existing is not None:
        return existing
    try:
        return store.create_schedule(
            user_id=user_id,
            project_id=project_id,
            name=skill_name,
            kind=ScheduleKind.ON_DEMAND.value,
            skill_name=skill_name,
            schedule_id=schedule_id,
            now=now,
        )
    except ConflictError:  # a concurrent first run made it
        made = store.get(schedule_id)
        assert made is not None
        return made


def _start(
    schedule: Schedule,
    execution_id: str,
    *,
    job_type: str,
    trigger: str,
    scheduled_for: datetime,
    now: datetime,
    timeout_seconds: int | None,
) -> RunAccepted:
    timeout = int(timeout_seconds or schedule.timeout_seconds or jobs.JOB_TYPES[job_type].timeout_seconds)
    deadline = now + timedelta(seconds=timeout) + DEADLINE_GRACE
    execution = executions.start(
        schedule, execution_id, scheduled_for=scheduled_for, trigger=trigger, now=now, deadline=deadline
    )
    if execution is None:
        existing = executions.get(execution_id)
        assert existing is not None, "a taken execution id has an execution"
        return RunAccepted.model_validate(existing).model_copy(update={"started": False})
    try:
        _enqueue(schedule, execution, job_type, timeout)
    except Exception as exc:
        logger.exception("could not queue a run", extra={"execution_id": execution_id})
        reason = f"{QUEUE_ERROR}: {exc.message}" if isinstance(exc, StudioError) else f"{QUEUE_ERROR}."
        executions.fail(execution, reason, now=now)
        store.record_outcome(schedule.schedule_id, run_at=now, status=ExecutionStatus.FAILED.value, now=now)
        raise ServiceUnavailableError("The run could not be queued; try again in a moment.") from exc
    logger.info("run started", extra={"execution_id": execution_id, "schedule_id": schedule.schedule_id})
    return RunAccepted.model_validate(execution)


def _enqueue(schedule: Schedule, execution: Execution, job_type: str, timeout: int) -> None:
    jobs.enqueue(
        job_type,
        {
            "execution_id": execution.execution_id,
            "schedule_id": schedule.schedule_id,
            "scheduled_for": execution.scheduled_for.isoformat() if execution.scheduled_for else None,
        },
        group_id=schedule.schedule_id,
        job_id=execution.execution_id,
        timeout_seconds=timeout,
        owner_id=schedule.user_id,
    )
