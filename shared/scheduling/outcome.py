"""How a run ends, in three records: the execution, the schedule's last run, the project's run log.

The execution comes first and decides the rest: its write is conditional on it still running, so a run that
was already closed (timed out as an orphan, or interrupted) is not closed a second time. The other two are
written one by one; if one fails it is logged and the other is still made. (The usage of every model request
is recorded by the runner's model gateway as it happens: runner/gateway.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared import metrics
from shared.constants import PROJECTS_PREFIX
from shared.logs import logger
from shared.models.schedules import Execution, ExecutionStatus
from shared.scheduling import executions, runlog, store
from shared.scheduling.executions import Results


def record(execution: Execution, results: Results, *, now: datetime) -> bool:
    """Close the execution with `results` and tell the schedule and the log; False if it was already closed."""
    closed = executions.finish(execution, results, now=now)
    if closed and results.status in (ExecutionStatus.FAILED, ExecutionStatus.TIMEOUT):
        metrics.run_failed(execution.kind, str(results.status))
    if not closed:
        logger.warning("the run was already closed; its results were not recorded", extra=_ids(execution))
    else:
        _each(
            ("schedule outcome", lambda: _schedule(execution, results, now)),
            ("run log", lambda: _log(execution, now)),
        )
    return closed


def log_timeout(execution_id: str, *, now: datetime) -> None:
    """An orphan the tick closed gets its line in the run log too, as it now reads (status, end, reason)."""
    closed = executions.get(execution_id)
    if closed is not None:
        _each(("run log", lambda: _log(closed, now)))


def log_line(execution: Execution) -> dict[str, Any]:
    """The run as one line of `.sasha/schedules/<schedule_id>.jsonl` (camelCase, like the API)."""
    steps = [
        {
            "name": step.get("name"),
            "status": step.get("status"),
            "outputFile": step.get("output_file"),
            "error": step.get("error"),
            "durationMs": step.get("duration_ms"),
        }
        for step in execution.steps or []
    ]
    return {
        "executionId": execution.execution_id,
        "scheduleId": execution.schedule_id,
        "kind": execution.kind,
        "skillName": execution.skill_name,
        "trigger": execution.trigger,
        "status": execution.status,
        "scheduledFor": _iso(execution.scheduled_for),
        "startedAt": _iso(execution.started_at),
        "finishedAt": _iso(execution.finished_at),
        "durationMs": int(execution.duration_ms or 0),
        "tokensIn": int(execution.tokens_in or 0),
        "tokensOut": int(execution.tokens_out or 0),
        "costUsd": float(execution.cost_usd or 0),
        "outputFile": execution.output_file,
        "error": execution.error,
        **({"steps": steps} if execution.steps is not None else {}),
    }


def _schedule(execution: Execution, results: Results, now: datetime) -> None:
    if execution.schedule_id:
        store.record_outcome(execution.schedule_id, run_at=execution.started_at, status=results.status.value, now=now)


def _log(execution: Execution, now: datetime) -> None:
    if execution.schedule_id and execution.project_id:
        prefix = f"{PROJECTS_PREFIX}{execution.project_id}/"
        runlog.append(prefix, execution.schedule_id, log_line(execution), now=now)


def _each(*writes: tuple[str, Any]) -> None:
    for what, write in writes:
        try:
            write()
        except Exception:
            logger.exception("could not record a run's %s", what)


def _ids(execution: Execution) -> dict[str, Any]:
    return {"execution_id": execution.execution_id, "schedule_id": execution.schedule_id}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
