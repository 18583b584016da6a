"""The callback job: POST a finished integration run's signed result to its callback URL.

One attempt per run of the job: 5xx, 429 and network failures are retried by the job's retry policy
(shared.jobs.types: 5 attempts, 5 s doubling), everything else fails at once.
"""

from __future__ import annotations

from typing import Any

from runner.context import JobContext
from runner.registry import job_handler
from shared.integrations import delivery


def interrupted(job: Any) -> None:
    delivery.interrupted(job.payload["run_id"])


@job_handler("callback.deliver", never_retry=(delivery.CallbackRefusedError,), on_interrupted=interrupted)
def deliver_callback(ctx: JobContext) -> dict[str, Any]:
    attempt, last = int(ctx.job.attempts), int(ctx.job.max_attempts)
    return delivery.deliver(ctx.job.payload["run_id"], attempt=attempt, last_attempt=attempt >= last)
