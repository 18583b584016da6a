"""Jobs: work that runs on the runner, queued through SQS and tracked in DynamoDB."""

from shared.jobs.queue import enqueue
from shared.jobs.types import JOB_TYPES, JobTypeSpec

__all__ = ["JOB_TYPES", "JobTypeSpec", "enqueue"]
