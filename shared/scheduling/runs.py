"""Runs asked for by a person: "run now" of a schedule and a skill run, each an execution and a queued job.

    put Execution(id, running) if the id is not taken      # run now: id = sha256(schedule_id|this minute)
      ├─ taken: this minute already runs → return that execution, queue nothing
      └─ won:   enqueue the job (job id = execution id, group = schedule id, timeout = the run's)
                └─ enqueue failed → execution failed, schedule last_status failed, 503 to the caller

`owner_project` is the runner's check, at run time, that the schedule's owner may still change the project.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared import jobs
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.errors import NotFoundError, PermissionDeniedError, ServiceUnavailableError, StudioError
from shared.logs import logger
from shared.models.schedules import Execution, ExecutionStatus, Schedule
from shared.projects import service as projects
from shared.projects.service import ProjectView
from shared.scheduling import executions, store
from shared.scheduling.tick import DEADLINE_GRACE, QUEUE_ERROR, SCHEDULE_JOB_TYPE

SKILL_JOB_TYPE = "skill.run"


class RunError(StudioError):
    """A run cannot go ahead (its skill is gone, its owner lost access); the message is recorded as its error."""

    status = 422
    code = "run_refused"


@dataclass(frozen=True, slots=True)
class RunStarted:
    execution_id: str
    schedule_id: str
    status: str
    trigger: str
    scheduled_for: datetime | None
    started: bool  # False: this minute already had a run, which is the one returned


def trigger_of(caller: Principal) -> str:
    return "api_key" if caller.via == "api_key" else "manual"


def run_now(schedule: Schedule, caller: Principal, *, now: datetime) -> RunStarted:
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


def run_skill(schedule: Schedule, caller: Principal, *, now: datetime, timeout_seconds: int | None) -> RunStarted:
    """A new run of an on-demand skill schedule (every call is a run of its own)."""
    return _start(
        schedule,
        uuid.uuid4().hex,
        job_type=SKILL_JOB_TYPE,
        trigger=trigger_of(caller),
        scheduled_for=now,
        now=now,
        timeout_seconds=timeout_seconds,
    )


def _start(
    schedule: Schedule,
    execution_id: str,
    *,
    job_type: str,
    trigger: str,
    scheduled_for: datetime,
    now: datetime,
    timeout_seconds: int | None,
) -> RunStarted:
    timeout = int(timeout_seconds or schedule.timeout_seconds or jobs.JOB_TYPES[job_type].timeout_seconds)
    deadline = now + timedelta(seconds=timeout) + DEADLINE_GRACE
    execution = executions.start(
        schedule, execution_id, scheduled_for=scheduled_for, trigger=trigger, now=now, deadline=deadline
    )
    if execution is None:
        existing = executions.get(execution_id)
        assert existing is not None, "a taken execution id has an execution"
        return _started(existing, started=False)
    try:
        jobs.enqueue(
            job_type,
            {
                "execution_id": execution_id,
                "schedule_id": schedule.schedule_id,
                "scheduled_for": scheduled_for.isoformat(),
            },
            group_id=schedule.schedule_id,
            job_id=execution_id,
            timeout_seconds=timeout,
            owner_id=schedule.user_id,
        )
    except Exception as exc:
        logger.exception("could not queue a run", extra={"execution_id": execution_id})
        reason = f"{QUEUE_ERROR}: {exc.message}" if isinstance(exc, StudioError) else f"{QUEUE_ERROR}."
        executions.fail(execution, reason, now=now)
        store.record_outcome(schedule.schedule_id, run_at=now, status=ExecutionStatus.FAILED.value, now=now)
        raise ServiceUnavailableError("The run could not be queued; try again in a moment.") from exc
    logger.info("run started", extra={"execution_id": execution_id, "schedule_id": schedule.schedule_id})
    return _started(execution, started=True)


def _started(execution: Execution, *, started: bool) -> RunStarted:
    return RunStarted(
        execution_id=execution.execution_id,
        schedule_id=str(execution.schedule_id),
        status=execution.status,
        trigger=execution.trigger,
        scheduled_for=execution.scheduled_for,
        started=started,
    )


def owner_project(execution: Execution) -> ProjectView:
    """The run's project, if its owner's account is active and may still change it; else a RunError."""
    account = users.get(execution.user_id)
    if account is None or not account.is_active:
        raise RunError("The run's owner no longer has an active account, so it did not run.")
    try:
        return projects.open_project(Principal(account, via="schedule"), execution.project_id or "", write=True)
    except NotFoundError:
        raise RunError("The project no longer exists, or the run's owner no longer has access to it.") from None
    except PermissionDeniedError:
        raise RunError("The run's owner can no longer change this project, so it did not run.") from None
