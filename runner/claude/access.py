"""A job's access to the model: a gateway token that names the job, valid until the job ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from runner.gateway import Grant, ModelGateway
from shared.jobs import Job

# A token outlives its job's deadline by this much at most (it is revoked when the job ends anyway).
EXPIRY_GRACE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class ModelAccess:
    base_url: str  # the gateway: the CLI's ANTHROPIC_BASE_URL
    token: str  # the CLI's ANTHROPIC_API_KEY, meaningless anywhere else


@contextmanager
def model_access(
    gateway: ModelGateway,
    job: Job,
    *,
    user_id: str,
    project_id: str,
    kind: str,
    remaining_seconds: float,
    session_id: str | None = None,
    turn: int | None = None,
    execution_id: str | None = None,
) -> Iterator[ModelAccess]:
    """Issue the job's token; on exit revoke it and wait for its requests' usage rows to be written."""
    grant = Grant(
        user_id=user_id,
        project_id=project_id,
        session_id=session_id,
        turn=turn,
        execution_id=execution_id,
        job_id=job.job_id,
        kind=kind,
        expires_at=time.time() + max(remaining_seconds, 0) + EXPIRY_GRACE_SECONDS,
    )
    token = gateway.issue(grant)
    try:
        yield ModelAccess(gateway.base_url, token)
    finally:
        gateway.revoke(token)
        gateway.flush(token=token)
