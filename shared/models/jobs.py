"""Runner jobs: one record per queued unit of work, the source of truth for its state."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_JOB_STATES


TERMINAL_JOB_STATES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.TIMEOUT, JobStatus.CANCELLED})

# The value of `active` while a job is queued or running; the attribute is removed in a terminal state.
ACTIVE = "active"


class ActiveJobsIndex(GlobalSecondaryIndex["Job"]):
    """Sparse: only queued and running jobs, oldest update first (recovery and stuck-job detection)."""

    class Meta:
        index_name = "active-by-updated"
        projection = AllProjection()

    active = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class JobsByOwnerIndex(GlobalSecondaryIndex["Job"]):
    """Sparse: the jobs a user started (cascade on user deletion, "my runs")."""

    class Meta:
        index_name = "by-owner"
        projection = KeysOnlyProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Job(StudioModel):
    """A unit of runner work (ping, chat turn, skill, scheduled prompt, git, rclone, ...)."""

    class Meta:
        logical_name = "jobs"

    job_id = UnicodeAttribute(hash_key=True)
    job_type = UnicodeAttribute()
    status = UnicodeAttribute(default=JobStatus.QUEUED.value)
    payload = JSONAttribute(default=dict)
    result = JSONAttribute(null=True)
    error = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    max_attempts = NumberAttribute(default=1)
    timeout_seconds = NumberAttribute(default=300)
    owner_id = UnicodeAttribute(null=True)
    group_id = UnicodeAttribute()
    correlation_id = UnicodeAttribute(null=True)
    runner_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    deadline_at = UTCDateTimeAttribute(null=True)
    # Set while queued or running, removed in a terminal state. No default: a default would be read back
    # for a removed attribute and a later save() would put the job back into the sparse index.
    active = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    version = VersionAttribute()

    active_index = ActiveJobsIndex()
    by_owner = JobsByOwnerIndex()


class RunnerLease(StudioModel):
    """Where work should go: a runner that is alive with its own queue, and the runner keeping a chat session's
    Claude process (shared.jobs.routing; docs/claude-cli.md, "Warm sessions")."""

    class Meta:
        logical_name = "runner_leases"

    key = UnicodeAttribute(hash_key=True)  # "runner#<runner id>" or "session#<session id>"
    runner_id = UnicodeAttribute()
    queue_url = UnicodeAttribute(null=True)  # a runner's own queue (runner items)
    until = NumberAttribute()  # epoch seconds: the runner is alive, or keeps the session's process, until then
    expires_at = TTLAttribute(null=True)  # DynamoDB removes what nobody renewed
