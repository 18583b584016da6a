"""A job's access to the model: the provider in use when it started, and a gateway token that names the job.

The provider is read at the start of every turn (shared.provider), so an administrator's switch takes effect at
the next turn of every session; the token is valid until the job ends and means nothing outside the gateway.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from runner.gateway import UPSTREAM_UNREACHABLE, Grant, ModelGateway
from runner.services import Services
from shared.jobs import Job
from shared.provider import outcomes
from shared.provider.service import ActiveProvider

# A token outlives its job's deadline by this much at most (it is revoked when the job ends anyway).
EXPIRY_GRACE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class ModelAccess:
    base_url: str  # the gateway: the CLI's ANTHROPIC_BASE_URL (or ANTHROPIC_BEDROCK_BASE_URL)
    token: str  # the CLI's ANTHROPIC_API_KEY (or AWS_BEARER_TOKEN_BEDROCK), meaningless anywhere else
    provider: ActiveProvider
    gateway: ModelGateway | None = field(default=None, compare=False, repr=False)

    def refusal(self) -> outcomes.Verdict | None:
        """What the provider last refused for this job (a wrong key, throttling, …), in words; None if nothing."""
        if self.gateway is None:
            return None
        status = self.gateway.upstream_status(self.token)
        if status is None:
            return None
        return outcomes.judge(
            self.provider.kind, None if status == UPSTREAM_UNREACHABLE else status, model=self.provider.model_id
        )


@contextmanager
def model_access(
    services: Services,
    job: Job,
    provider: ActiveProvider,
    *,
    user_id: str,
    project_id: str | None,
    kind: str,
    remaining_seconds: float,
    session_id: str | None = None,
    turn: int | None = None,
    execution_id: str | None = None,
) -> Iterator[ModelAccess]:
    """Issue the job's token; on exit revoke it and wait for its requests' usage rows to be written."""
    gateway = services.gateway
    grant = Grant(
        user_id=user_id,
        project_id=project_id,
        session_id=session_id,
        turn=turn,
        execution_id=execution_id,
        job_id=job.job_id,
        kind=kind,
        expires_at=time.time() + max(remaining_seconds, 0) + EXPIRY_GRACE_SECONDS,
        upstream=services.upstream(provider),
    )
    token = gateway.issue(grant)
    try:
        yield ModelAccess(gateway.base_url, token, provider, gateway)
    finally:
        gateway.revoke(token)
        gateway.flush(token=token)
