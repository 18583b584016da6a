"""Schedules (cron-driven prompts and skills) and executions (every skill or scheduled run)."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow

# Due schedules are spread over a few index partitions so that one hot key never takes every write.
DUE_SHARDS = 4


class ScheduleKind(StrEnum):
    PROMPT = "prompt"
    SKILL = "skill"
    ON_DEMAND = "on_demand"  # created for a skill run by hand; never due


class ExecutionStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"


class DueSchedulesIndex(GlobalSecondaryIndex["Schedule"]):
    """Sparse: enabled schedules by next run time; the tick queries `next_run_at <= now` per shard."""

    class Meta:
        index_name = "due-by-next-run"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    next_run_at = UTCDateTimeAttribute(range_key=True)


class SchedulesByUserIndex(GlobalSecondaryIndex["Schedule"]):
    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class SchedulesByProjectIndex(GlobalSecondaryIndex["Schedule"]):
    """The schedules of a project, whoever owns them (cascade on project deletion)."""

    class Meta:
        index_name = "by-project"
        projection = KeysOnlyProjection()

    project_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Schedule(StudioModel):
    """A standard 5-field cron expression in a time zone that runs a prompt or a skill in a project."""

    class Meta:
        logical_name = "schedules"

    schedule_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default=ScheduleKind.PROMPT.value)
    cron = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(default="UTC")
    prompt = UnicodeAttribute(null=True)
    skill_name = UnicodeAttribute(null=True)
    timeout_seconds = NumberAttribute(default=300)
    enabled = BooleanAttribute(default=True)
    next_run_at = UTCDateTimeAttribute(null=True)
    due_shard = UnicodeAttribute(null=True)  # present only while enabled and cron-driven
    last_run_at = UTCDateTimeAttribute(null=True)
    last_status = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    due_index = DueSchedulesIndex()
    by_user = SchedulesByUserIndex()
    by_project = SchedulesByProjectIndex()


class ExecutionsByScheduleIndex(GlobalSecondaryIndex["Execution"]):
    """The execution history of one schedule, newest slot last."""

    class Meta:
        index_name = "by-schedule"
        projection = AllProjection()

    schedule_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class ExecutionsByUserIndex(GlobalSecondaryIndex["Execution"]):
    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class ExecutionsByProjectIndex(GlobalSecondaryIndex["Execution"]):
    """Sparse: the runs in a project, scheduled or run now (deleting a project deletes them all)."""

    class Meta:
        index_name = "by-project"
        projection = KeysOnlyProjection()

    project_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class RunningExecutionsIndex(GlobalSecondaryIndex["Execution"]):
    """Sparse: executions still `running`, by deadline; the tick marks those past it as `timeout`."""

    class Meta:
        index_name = "running-by-deadline"
        projection = AllProjection()

    running = UnicodeAttribute(hash_key=True)
    deadline_at = UTCDateTimeAttribute(range_key=True)


class Execution(StudioModel):
    """One run of a skill or a scheduled prompt (the spec's executions and execution_history)."""

    class Meta:
        logical_name = "executions"

    # sha256(schedule_id + slot) for scheduled runs: a conditional put makes the slot unique.
    execution_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    schedule_id = UnicodeAttribute(null=True)
    scheduled_for = UTCDateTimeAttribute(null=True)
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    skill_name = UnicodeAttribute(null=True)
    prompt = UnicodeAttribute(null=True)
    trigger = UnicodeAttribute(default="schedule")  # schedule, manual or api_key
    status = UnicodeAttribute(default=ExecutionStatus.RUNNING.value)
    job_id = UnicodeAttribute(null=True)
    started_at = UTCDateTimeAttribute(default=utcnow)
    finished_at = UTCDateTimeAttribute(null=True)
    deadline_at = UTCDateTimeAttribute(null=True)
    # "running" while running, removed in a terminal state. No default, or a removed value would read back.
    running = UnicodeAttribute(null=True)
    duration_ms = NumberAttribute(null=True)
    tokens_in = NumberAttribute(null=True)
    tokens_out = NumberAttribute(null=True)
    cost_usd = NumberAttribute(null=True)
    output_file = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    steps = JSONAttribute(null=True)  # workflow skills: [{name, status, output_file, error}, ...]
    version = VersionAttribute()

    by_schedule = ExecutionsByScheduleIndex()
    by_user = ExecutionsByUserIndex()
    by_project = ExecutionsByProjectIndex()
    running_index = RunningExecutionsIndex()
