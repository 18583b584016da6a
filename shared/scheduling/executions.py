"""The execution repository for scheduled runs: transitions are conditional writes.

    (none) ──start: slot not taken──▶ running ──runner──▶ completed | failed | timeout
                                         │
                                         ├──fail: could not queue──▶ failed
                                         └──time_out: past deadline──▶ timeout   (orphan detection)

`execution_id = sha256("<schedule_id>|<slot ISO-8601>")`, and the put is conditional on the id not
existing: the DynamoDB form of UNIQUE(schedule_id, scheduled_for). A terminal state removes the sparse
`running` attribute, so the execution leaves the `running-by-deadline` index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from shared.models.schedules import Execution, ExecutionStatus, Schedule

RUNNING = ExecutionStatus.RUNNING.value
ORPHAN_ERROR = "the run did not finish before its deadline (runner stopped?)"


# Named conditions: the state each transition starts from.
def _slot_not_taken() -> Any:
    return Execution.execution_id.does_not_exist()


def _still_running() -> Any:
    return Execution.status == RUNNING


def execution_id_for(schedule_id: str, slot: datetime) -> str:
    """The deterministic id of one slot of one schedule (hex sha256)."""
    return hashlib.sha256(f"{schedule_id}|{slot.isoformat()}".encode()).hexdigest()


def start_scheduled(schedule: Schedule, slot: datetime, *, now: datetime, deadline: datetime) -> Execution | None:
    """Create the running execution of `slot`; None when this slot already has one."""
    execution_id = execution_id_for(schedule.schedule_id, slot)
    execution = Execution(
        execution_id,
        kind=schedule.kind,
        schedule_id=schedule.schedule_id,
        scheduled_for=slot,
        user_id=schedule.user_id,
        project_id=schedule.project_id,
        skill_name=schedule.skill_name,
        prompt=schedule.prompt,
        trigger="schedule",
        status=RUNNING,
        running=RUNNING,
        job_id=execution_id,
        started_at=now,
        deadline_at=deadline,
    )
    try:
        execution.save(condition=_slot_not_taken())
    except PutError as exc:
        if _condition_failed(exc):
            return None
        raise
    return execution


def fail(execution: Execution, error: str, *, now: datetime) -> bool:
    """running → failed (the run never reached the runner); False when it is no longer running."""
    return _finish(execution, ExecutionStatus.FAILED, error, now)


def time_out(execution: Execution, *, now: datetime) -> bool:
    """running → timeout for an orphan past its deadline; False when it finished meanwhile."""
    return _finish(execution, ExecutionStatus.TIMEOUT, ORPHAN_ERROR, now)


def overdue(now: datetime) -> Iterator[Execution]:
    """Running executions whose deadline is before `now` (a Query on the sparse running index)."""
    return Execution.running_index.query(RUNNING, Execution.deadline_at < now)


def _finish(execution: Execution, status: ExecutionStatus, error: str, now: datetime) -> bool:
    try:
        execution.update(
            actions=[
                Execution.status.set(status.value),
                Execution.running.remove(),
                Execution.finished_at.set(now),
                Execution.error.set(error[:2000]),
            ],
            condition=_still_running(),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def _condition_failed(exc: PutError | UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"
