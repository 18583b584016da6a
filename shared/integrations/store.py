"""The run repository: integration runs, the turn each became, and the key that signs its callback.

    queued ──(turn ends)──▶ completed | failed | aborted           (status, finished_at: recorded once)
    callback:  pending ──2xx──▶ delivered
                  │ └──5xx, 429, network──▶ pending (attempts + 1) ──…──▶ failed (out of attempts)
                  └──other 4xx, 3xx, private address, key gone──▶ failed

The turn's end is recorded once (a condition on `finished_at`), so a duplicate never queues a second callback.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from shared.accounts import api_keys
from shared.db import condition_failed, delete_all
from shared.integrations.views import CallbackView
from shared.models.api_keys import ApiKey
from shared.models.base import utcnow
from shared.models.chat import RawExchange
from shared.models.integrations import CallbackStatus, IntegrationRun
from shared.schema import Amount, Count, View

# Runs are polling records: a month after they start, DynamoDB's TTL removes them (the chat session stays).
RUN_RETENTION = timedelta(days=30)


class RunRecord(View):
    """An integration run as its row holds it."""

    run_id: str
    user_id: str
    key_id: str | None  # None when started with a session token (such runs have no callback)
    project_id: str
    session_id: str | None
    turn: int | None
    status: str
    metadata: dict[str, Any] | None
    callback_url: str | None
    callback_status: str | None
    callback_attempts: Count
    callback_http_status: int | None
    callback_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def callback(self) -> CallbackView | None:
        return CallbackView.model_validate(self) if self.callback_url else None


class TurnRecord(View):
    """What the runner recorded of the turn a run became."""

    status: str
    client_message_id: str | None
    response_text: str | None
    error: str | None
    tokens_in: Count
    tokens_out: Count
    cache_read_tokens: Count
    cache_write_tokens: Count
    cost_usd: Amount
    duration_ms: int | None
    finished_at: datetime | None


def create(
    run_id: str,
    *,
    user_id: str,
    key_id: str | None,
    project_id: str,
    metadata: dict[str, Any] | None,
    callback_url: str | None,
) -> RunRecord:
    row = IntegrationRun(
        run_id,
        user_id=user_id,
        key_id=key_id,
        project_id=project_id,
        metadata=metadata,
        callback_url=callback_url,
        callback_status=CallbackStatus.PENDING.value if callback_url else None,
        expires_at=utcnow() + RUN_RETENTION,
    )
    row.save(condition=IntegrationRun.run_id.does_not_exist())
    return RunRecord.model_validate(row)


def get(run_id: str) -> RunRecord | None:
    try:
        return RunRecord.model_validate(IntegrationRun.get(run_id, consistent_read=True))
    except DoesNotExist:
        return None


def delete(run_id: str) -> None:
    IntegrationRun(run_id).delete()


def attach(run_id: str, session_id: str, turn: int) -> RunRecord:
    """Record the turn the run became (the turn already names the run, so the runner never waits on this)."""
    row = IntegrationRun(run_id)
    row.update(actions=[IntegrationRun.session_id.set(session_id), IntegrationRun.turn.set(turn)])
    return RunRecord.model_validate(row)


def record_finish(run_id: str, session_id: str, turn: int, status: str) -> RunRecord | None:
    """Record the turn's end, once; None when it was recorded already or the run is gone."""
    row = IntegrationRun(run_id)
    try:
        row.update(
            actions=[
                IntegrationRun.status.set(status),
                IntegrationRun.finished_at.set(utcnow()),
                IntegrationRun.session_id.set(session_id),
                IntegrationRun.turn.set(turn),
            ],
            condition=IntegrationRun.run_id.exists() & IntegrationRun.finished_at.does_not_exist(),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return RunRecord.model_validate(row)


def record_callback(
    run_id: str,
    status: CallbackStatus,
    *,
    attempts: int | None = None,
    http_status: int | None = None,
    error: str | None = None,
) -> None:
    """Record a delivery attempt's outcome (or a refusal before any attempt)."""
    actions: list[Any] = [IntegrationRun.callback_status.set(status.value), IntegrationRun.callback_at.set(utcnow())]
    if attempts is not None:
        actions.append(IntegrationRun.callback_attempts.set(attempts))
    if http_status is not None:
        actions.append(IntegrationRun.callback_http_status.set(http_status))
    actions.append(IntegrationRun.callback_error.set(error[:500]) if error else IntegrationRun.callback_error.remove())
    try:
        IntegrationRun(run_id).update(actions=actions, condition=IntegrationRun.run_id.exists())
    except UpdateError as exc:
        if not condition_failed(exc):  # the run expired or was deleted
            raise


def turn(session_id: str, number: int) -> TurnRecord | None:
    try:
        row = RawExchange.get(session_id, number, consistent_read=True)
    except DoesNotExist:
        return None
    return TurnRecord.model_validate(row)


def key_callback_url(key_id: str) -> str | None:
    try:
        return ApiKey.get(key_id).callback_url
    except DoesNotExist:
        return None


def signing_secret(key_id: str) -> str | None:
    """The key's callback signing secret; None once the key is deactivated or deleted."""
    try:
        row = ApiKey.get(key_id, consistent_read=True)
    except DoesNotExist:
        return None
    if not row.is_active or row.signing_secret_encrypted is None:
        return None
    return api_keys.signing_secret(row)


def delete_for_user(user_id: str) -> int:
    return delete_all(IntegrationRun, IntegrationRun.by_user.query(user_id))
