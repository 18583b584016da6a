"""The scheduler tick: once a minute, start every due slot exactly once and time out orphaned runs.

For each due schedule (a Query per due shard, `next_run_at <= now`):

    slot = latest cron slot <= now          # missed slots collapse into ONE catch-up run
    put Execution(sha256(id|slot)) if the id does not exist
      ├─ put failed: a duplicate tick or a retry already took the slot → nothing to do
      └─ put won: enqueue "schedule.run" (job id = execution id: SQS FIFO dedup as a second guard)
                  └─ enqueue failed → the execution becomes `failed` with a readable error
    advance next_run_at to the first slot after now, if it still holds the value we read

Then every `running` execution whose deadline has passed becomes `timeout`, and every meeting left capturing
without a segment for two hours is stopped (shared.meetings.sweep), drive mounts due for a refresh are queued
(shared.drives.syncs), and jobs no runner will finish get a fresh message (shared.jobs.sweep). One bad schedule
is logged and skipped; it never stops the tick. See docs/scheduling.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from shared import jobs, metrics
from shared.drives import syncs as drive_syncs
from shared.errors import StudioError
from shared.jobs import routing, sweep
from shared.logs import logger
from shared.meetings import sweep as meetings
from shared.models.schedules import Execution, ExecutionStatus, Schedule
from shared.scheduling import cron, executions, outcome, store

SCHEDULE_JOB_TYPE = "schedule.run"
# A run's deadline is its timeout plus this grace: the job may wait in the queue while a runner task
# starts from zero (a few minutes on Fargate), and the runner's own supervisor stops it a little late.
DEADLINE_GRACE = timedelta(minutes=10)
QUEUE_ERROR = "the run could not be queued"

Outcome = Literal["started", "duplicates", "failed"]


@dataclass
class TickResult:
    due: int = 0
    started: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: int = 0
    timed_out: int = 0
    meetings_stopped: int = 0
    drive_syncs: int = 0
    turns_moved: int = 0  # from the queues of runners that died, to the shared queue
    jobs_swept: int = 0  # stuck queued or running, sent again for a runner to close (shared.jobs.sweep)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def run_tick(now: datetime, *, correlation_id: str | None = None) -> TickResult:
    """Start every due slot once and time out orphans; counts what happened."""
    if now.tzinfo is None:
        raise ValueError("the tick time must be timezone-aware")
    now = now.astimezone(UTC)
    result = TickResult()
    for shard in store.due_shards():
        try:
            for schedule in store.due_schedules(shard, now):
                result.due += 1
                _start_due(schedule, now, correlation_id, result)
        except Exception:
            logger.exception("could not read due schedules", extra={"due_shard": shard})
            result.errors += 1
    _time_out_orphans(now, result)
    _stop_silent_meetings(now, result)
    _queue_drive_syncs(now, result)
    _empty_gone_runners(result)
    _sweep_stuck_jobs(now, result)
    logger.info("scheduler tick", extra={"tick_at": now.isoformat(), **result.as_dict()})
    return result


def _start_due(schedule: Schedule, now: datetime, correlation_id: str | None, result: TickResult) -> None:
    try:
        outcome = _start_slot(schedule, now, correlation_id)
    except Exception:
        logger.exception("could not start a due schedule", extra={"schedule_id": schedule.schedule_id})
        result.errors += 1
        return
    result.count(outcome)


def _start_slot(schedule: Schedule, now: datetime, correlation_id: str | None) -> Outcome:
    """Run the latest slot of one due schedule; returns the TickResult field to count it in."""
    slot = cron.latest_at_or_before(schedule.cron or "", schedule.timezone, now)
    timeout_seconds = int(schedule.timeout_seconds or jobs.JOB_TYPES[SCHEDULE_JOB_TYPE].timeout_seconds)
    deadline = now + timedelta(seconds=timeout_seconds) + DEADLINE_GRACE
    execution = executions.start_scheduled(schedule, slot, now=now, deadline=deadline)
    queue_error = None if execution is None else _enqueue(schedule, execution, timeout_seconds, now, correlation_id)
    if not store.advance(schedule, cron.next_after(schedule.cron or "", schedule.timezone, now), now=now):
        logger.info("next run already advanced", extra={"schedule_id": schedule.schedule_id})
    if execution is None:
        return "duplicates"
    if queue_error is not None:
        # After advance(): this write bumps the schedule's version, which would make advance() fail.
        store.record_outcome(
            schedule.schedule_id, run_at=execution.started_at, status=ExecutionStatus.FAILED.value, now=now
        )
        return "failed"
    logger.info(
        "scheduled run started",
        extra={"schedule_id": schedule.schedule_id, "execution_id": execution.execution_id, "slot": slot.isoformat()},
    )
    return "started"


def _enqueue(
    schedule: Schedule, execution: Execution, timeout_seconds: int, now: datetime, correlation_id: str | None
) -> str | None:
    """Queue the run's job; on failure the execution becomes `failed` and the reason is returned."""
    try:
        jobs.enqueue(
            SCHEDULE_JOB_TYPE,
            {
                "execution_id": execution.execution_id,
                "schedule_id": schedule.schedule_id,
                "scheduled_for": execution.scheduled_for.isoformat() if execution.scheduled_for else None,
            },
            group_id=schedule.schedule_id,
            job_id=execution.execution_id,
            timeout_seconds=timeout_seconds,
            owner_id=schedule.user_id,
            correlation_id=correlation_id,
        )
    except Exception as exc:
        logger.exception("could not queue a scheduled run", extra={"execution_id": execution.execution_id})
        error = f"{QUEUE_ERROR}: {exc.message}" if isinstance(exc, StudioError) else f"{QUEUE_ERROR}."
        executions.fail(execution, error, now=now)
        return error
    return None


def _time_out_orphans(now: datetime, result: TickResult) -> None:
    try:
        for execution in executions.overdue(now):
            try:
                if not executions.time_out(execution, now=now):
                    continue
                result.timed_out += 1
                logger.warning("run timed out", extra={"execution_id": execution.execution_id})
                metrics.run_failed(execution.kind, ExecutionStatus.TIMEOUT.value)
                if execution.schedule_id:
                    store.record_outcome(
                        execution.schedule_id,
                        run_at=execution.started_at,
                        status=ExecutionStatus.TIMEOUT.value,
                        now=now,
                    )
                    outcome.log_timeout(execution.execution_id, now=now)
            except Exception:
                logger.exception("could not time out a run", extra={"execution_id": execution.execution_id})
                result.errors += 1
    except Exception:
        logger.exception("could not read overdue runs")
        result.errors += 1


def _stop_silent_meetings(now: datetime, result: TickResult) -> None:
    try:
        for meeting_id in meetings.silent(now):
            try:
                if meetings.stop_silent(meeting_id, now):
                    result.meetings_stopped += 1
                    logger.info("silent meeting stopped", extra={"meeting_id": meeting_id})
            except Exception:
                logger.exception("could not stop a silent meeting", extra={"meeting_id": meeting_id})
                result.errors += 1
    except Exception:
        logger.exception("could not read silent meetings")
        result.errors += 1


def _empty_gone_runners(result: TickResult) -> None:
    try:
        result.turns_moved = routing.empty_gone_runners()
    except Exception:
        logger.exception("could not empty the queues of runners that stopped")
        result.errors += 1


def _queue_drive_syncs(now: datetime, result: TickResult) -> None:
    try:
        result.drive_syncs = drive_syncs.queue_due_syncs(now)
    except Exception:
        logger.exception("could not read the drive mounts due for a sync")
        result.errors += 1


def _sweep_stuck_jobs(now: datetime, result: TickResult) -> None:
    try:
        result.jobs_swept = len(sweep.sweep_stuck(now))
    except Exception:
        logger.exception("could not send stuck jobs again")
        result.errors += 1
