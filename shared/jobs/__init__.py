"""Jobs: work that runs on the runner, queued through SQS and tracked in DynamoDB.

The job record (`Job`) is the runner's handle on its work: read its fields, change its state only through
`shared.jobs.store` (every transition a conditional write).
"""

from shared.jobs.queue import enqueue, prepare, send
from shared.jobs.types import JOB_TYPES, JobTypeSpec
from shared.models.jobs import Job, JobStatus

__all__ = ["JOB_TYPES", "Job", "JobStatus", "JobTypeSpec", "enqueue", "prepare", "send"]
