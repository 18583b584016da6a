"""The execution repository for skill and scheduled runs: transitions are conditional writes.

    (none) ──start: id not taken──▶ running ──finish (runner)──▶ completed | failed | timeout
                                      │  └──record_steps (runner: a workflow's progress)
                                      ├──fail: could not queue, or the runner stopped──▶ failed
                                      └──time_out: past deadline──▶ timeout   (orphan detection)

A slot's `execution_id = sha256("<schedule_id>|<slot ISO-8601>")`, and the put is conditional on the id not
existing: the DynamoDB form of UNIQUE(schedule_id, scheduled_for). The tick and "run now" share that id, so a
minute runs once however it was asked for. A skill run by hand has a random id. Every write after the start is
conditional on the execution still running, and a terminal state removes the sparse `running` attribute, so
the execution leaves the `running-by-deadline` index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from shared.db import condition_failed
from shared.models.schedules import Execution, ExecutionStatus, Schedule, ScheduleKind

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


def run_kind(schedule: Schedule) -> str:
    """What an execution of `schedule` runs: "skill" or "prompt" (an on-demand schedule always runs a skill)."""
    return ScheduleKind.SKILL.value if schedule.skill_name else ScheduleKind.PROMPT.value


def start_scheduled(
    schedule: Schedule, slot: datetime, *, now: datetime, deadline: datetime, trigger: str = "schedule"
) -> Execution | None:
    """Create the running execution of `slot`; None when this slot already has one."""
    return start(
        schedule,
        execution_id_for(schedule.schedule_id, slot),
        scheduled_for=slot,
        trigger=trigger,
        now=now,
        deadline=deadline,
    )


def start(
    schedule: Schedule,
    execution_id: str,
    *,
    scheduled_for: datetime,
    trigger: str,
    now: datetime,
    deadline: datetime,
) -> Execution | None:
    """Create a running execution of `schedule` with this id; None when the id is taken."""
    execution = Execution(
        execution_id,
        kind=run_kind(schedule),
        schedule_id=schedule.schedule_id,
        scheduled_for=scheduled_for,
        user_id=schedule.user_id,
        project_id=schedule.project_id,
        skill_name=schedule.skill_name,
        prompt=schedule.prompt,
        trigger=trigger,
        status=RUNNING,
        running=RUNNING,
        job_id=execution_id,
        started_at=now,
        deadline_at=deadline,
    )
    try:
        execution.save(condition=_slot_not_taken())
    except PutError as exc:
        if condition_failed(exc):
            return None
        raise
    return execution


def get(execution_id: str) -> Execution | None:
    try:
        return Execution.get(execution_id, consistent_read=True)
    except Execution.DoesNotExist:
        return None


def fail(execution: Execution, error: str, *, now: datetime) -> bool:
    """running → failed (the run never reached the runner, or the runner stopped); False when no longer running."""
    return _finish(execution, ExecutionStatus.FAILED, error, now)


@dataclass(frozen=True, slots=True)
class Results:
    """What a finished run reports (the runner's side of the execution record)."""

    status: ExecutionStatus
    error: str | None = None
    duration_ms: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    output_file: str | None = None
    steps: list[dict[str, Any]] | None = None


def finish(execution: Execution, results: Results, *, now: datetime) -> bool:
    """running → completed | failed | timeout with the run's results; False when it is no longer running."""
    assert results.status is not ExecutionStatus.RUNNING
    actions: list[Any] = [
        Execution.status.set(results.status.value),
        Execution.running.remove(),
        Execution.finished_at.set(now),
        Execution.duration_ms.set(results.duration_ms),
        Execution.tokens_in.set(results.tokens_in),
        Execution.tokens_out.set(results.tokens_out),
        Execution.cost_usd.set(results.cost_usd),
    ]
    if results.output_file:
        actions.append(Execution.output_file.set(results.output_file))
    if results.error:
        actions.append(Execution.error.set(results.error[:2000]))
    if results.steps is not None:
        actions.append(Execution.steps.set(results.steps))
    return _update_running(execution, actions)


def record_steps(execution: Execution, steps: list[dict[str, Any]]) -> bool:
    """A workflow's progress while it runs; False when the execution is no longer running."""
    return _update_running(execution, [Execution.steps.set(steps)])


def time_out(execution: Execution, *, now: datetime) -> bool:
    """running → timeout for an orphan past its deadline; False when it finished meanwhile."""
    return _finish(execution, ExecutionStatus.TIMEOUT, ORPHAN_ERROR, now)


def overdue(now: datetime) -> Iterator[Execution]:
    """Running executions whose deadline is before `now` (a Query on the sparse running index)."""
    return Execution.running_index.query(RUNNING, Execution.deadline_at < now)


def history(schedule_id: str, *, before: datetime | None, limit: int) -> list[Execution]:
    """A schedule's executions, newest first, started before `before` (a Query on `by-schedule`)."""
    condition = Execution.started_at < before if before is not None else None
    return list(Execution.by_schedule.query(schedule_id, condition, scan_index_forward=False, limit=limit))


def delete_for_schedule(schedule_id: str) -> int:
    """Delete a schedule's history; a run still going finds its record gone and records nothing."""
    found = list(Execution.by_schedule.query(schedule_id))
    with Execution.batch_write() as batch:
        for execution in found:
            batch.delete(execution)
    return len(found)


def _finish(execution: Execution, status: ExecutionStatus, error: str, now: datetime) -> bool:
    return _update_running(
        execution,
        [
            Execution.status.set(status.value),
            Execution.running.remove(),
            Execution.finished_at.set(now),
            Execution.error.set(error[:2000]),
        ],
    )


def _update_running(execution: Execution, actions: list[Any]) -> bool:
    """Apply `actions` if the execution is still running (and at the version read); False otherwise."""
    try:
        execution.update(actions=actions, condition=_still_running())
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
