"""Testing a credential for real: the runner makes one minimal model call through its gateway, the API waits.

The call takes the path chat takes (runner → model gateway → upstream, with the gateway adding the credential),
so a key that passes here is a key chat can use. A candidate key travels to the runner sealed (KMS envelope) and
is never stored; a test of the stored configuration is recorded for Settings to show.
"""

from __future__ import annotations

import base64
from typing import Any

from shared import crypto
from shared.errors import ServiceUnavailableError, ValidationError
from shared.jobs import JobStatus, enqueue
from shared.jobs import store as jobs
from shared.models.admin import AiProvider
from shared.models.base import utcnow
from shared.models.fields import SealedSecret
from shared.provider import service
from shared.provider.views import CredentialCheck

WAIT_SECONDS = 25.0  # under API Gateway's 29 s
POLL_SECONDS = 0.2
_CANDIDATE_CONTEXT = {"purpose": "provider-test"}


def run_test(
    kind: AiProvider, *, by: str, candidate_key: str | None = None, model_id: str | None = None
) -> CredentialCheck:
    """Test `candidate_key` (Anthropic), or the stored configuration of `kind`; wait for the runner's verdict."""
    if candidate_key is None and not service.stored_credentials_for_test(kind):
        what = "an Anthropic API key" if kind is AiProvider.ANTHROPIC else "Bedrock credentials and a region"
        raise ValidationError(f"There is nothing to test yet: enter {what} first.", code="not_ready")
    payload: dict[str, Any] = {"provider": kind.value, "model_id": model_id}
    if candidate_key is not None:
        payload["candidate"] = seal_for_job(candidate_key)
    job = enqueue("provider.test", payload, owner_id=by)
    current = jobs.wait_for(job.job_id, WAIT_SECONDS, first_poll=POLL_SECONDS, last_poll=POLL_SECONDS)
    if current is not None:
        result = _result_of(kind, current.status, current.result, current.error)
        if candidate_key is None:
            service.record_test(result, by=by)
        return result
    raise ServiceUnavailableError(
        f"The runner did not answer the test within {int(WAIT_SECONDS)} seconds; check that it is running."
    )


def _result_of(kind: AiProvider, status: str, result: Any, error: str | None) -> CredentialCheck:
    if status == JobStatus.SUCCEEDED and isinstance(result, dict):
        return CredentialCheck.model_validate(result)
    return CredentialCheck(
        ok=False,
        outcome="upstream_error",
        message=f"The test could not run: {error or 'the runner failed'}.",
        provider=kind.value,
        tested_at=utcnow(),
    )


def seal_for_job(secret: str) -> dict[str, str]:
    """A secret sealed for a job's payload (JSON): the envelope's parts, base64."""
    sealed = crypto.seal(secret, context=_CANDIDATE_CONTEXT)
    return {
        "ciphertext": base64.b64encode(bytes(sealed.ciphertext)).decode(),
        "encrypted_data_key": base64.b64encode(bytes(sealed.encrypted_data_key)).decode(),
        "nonce": base64.b64encode(bytes(sealed.nonce)).decode(),
        "kms_key_id": str(sealed.kms_key_id),
    }


def unseal_from_job(envelope: dict[str, str]) -> str:
    sealed = SealedSecret(
        ciphertext=base64.b64decode(envelope["ciphertext"]),
        encrypted_data_key=base64.b64decode(envelope["encrypted_data_key"]),
        nonce=base64.b64decode(envelope["nonce"]),
        kms_key_id=envelope["kms_key_id"],
    )
    return crypto.unseal(sealed, context=_CANDIDATE_CONTEXT)
