"""Deliver a run's callback: the signed JSON POST, one attempt per call; the job's retry policy does the rest.

5xx, 429 and network failures are retryable (`CallbackRetryableError`); any other answer, a URL that now
resolves to a private address, or a key that is gone is final (`CallbackRefusedError`, never retried).
"""

from __future__ import annotations

import json
from typing import Any

from shared.constants import APP_NAME, VERSION
from shared.integrations import outbound, service, signing, store
from shared.integrations.views import RunView
from shared.logs import logger
from shared.models.integrations import CallbackStatus
from shared.settings import get_settings

USER_AGENT = f"{APP_NAME}-callbacks/{VERSION}"
RETRYABLE_STATUSES = frozenset({429}) | frozenset(range(500, 600))


class CallbackError(Exception):
    """A callback attempt that did not end in a 2xx."""


class CallbackRetryableError(CallbackError):
    """Worth another attempt later: a network failure, a 5xx or a 429."""


class CallbackRefusedError(CallbackError):
    """Final: another answer than 2xx, 5xx or 429, a URL the server must not call, or no key to sign with."""


# The run as polled, without what the receiver knows already (its project) or cannot use (the callback itself).
CALLBACK_FIELDS = {
    "id",
    "status",
    "result",
    "error",
    "usage",
    "cost_usd",
    "duration_ms",
    "session_id",
    "metadata",
    "finished_at",
}


def body_of(run: RunView) -> bytes:
    """The callback's JSON body, exactly the bytes that are signed and sent."""
    payload = run.model_dump(mode="json", by_alias=True, include=CALLBACK_FIELDS)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def headers_for(run_id: str, secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Studio-Run-Id": run_id,
        signing.SIGNATURE_HEADER: signing.sign(secret, body),
    }


def _refuse(
    run_id: str, message: str, *, attempts: int | None = None, http_status: int | None = None
) -> CallbackRefusedError:
    store.record_callback(run_id, CallbackStatus.FAILED, attempts=attempts, http_status=http_status, error=message)
    logger.warning("callback refused", extra={"run_id": run_id, "reason": message})
    return CallbackRefusedError(message)


def deliver(run_id: str, *, attempt: int, last_attempt: bool) -> dict[str, Any]:
    """Make attempt number `attempt` to deliver the callback of `run_id`; raises unless it was delivered."""
    record = store.get(run_id)
    if record is None or not record.callback_url:
        return {"skipped": "no such run or no callback URL"}
    if record.callback_status == CallbackStatus.DELIVERED:
        return {"skipped": "delivered already"}
    secret = store.signing_secret(record.key_id) if record.key_id else None
    if secret is None:
        raise _refuse(run_id, "The API key that started the run was deactivated or deleted.")
    body = body_of(service.view(record))
    headers = headers_for(run_id, secret, body)
    try:
        answer = outbound.post(record.callback_url, body, headers, allow_private=get_settings().is_local)
    except outbound.OutboundRefusedError as exc:
        raise _refuse(run_id, str(exc), attempts=attempt) from exc
    except outbound.OutboundNetworkError as exc:
        _retry_or_fail(run_id, f"The callback could not be delivered: {exc}", attempt=attempt, last=last_attempt)
        raise CallbackRetryableError(str(exc)) from exc
    if 200 <= answer.status < 300:
        store.record_callback(run_id, CallbackStatus.DELIVERED, attempts=attempt, http_status=answer.status)
        logger.info("callback delivered", extra={"run_id": run_id, "attempt": attempt, "status": answer.status})
        return {"delivered": True, "status": answer.status, "attempt": attempt}
    if answer.status in RETRYABLE_STATUSES:
        message = f"The receiver answered {answer.status}."
        _retry_or_fail(run_id, message, attempt=attempt, last=last_attempt, http_status=answer.status)
        raise CallbackRetryableError(message)
    why = "redirects are not followed" if 300 <= answer.status < 400 else "not retried"
    raise _refuse(
        run_id, f"The receiver answered {answer.status} ({why}).", attempts=attempt, http_status=answer.status
    )


def _retry_or_fail(run_id: str, message: str, *, attempt: int, last: bool, http_status: int | None = None) -> None:
    status = CallbackStatus.FAILED if last else CallbackStatus.PENDING
    store.record_callback(run_id, status, attempts=attempt, http_status=http_status, error=message)
    logger.warning("callback attempt failed", extra={"run_id": run_id, "attempt": attempt, "final": last})


def interrupted(run_id: str) -> None:
    """The runner died while delivering and no attempt is left: the callback has failed."""
    store.record_callback(run_id, CallbackStatus.FAILED, error="The runner stopped while delivering the callback.")
