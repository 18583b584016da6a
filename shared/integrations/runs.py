"""Runs: a prompt sent by an integration becomes a chat turn in a new session; polled by id; reported back.

The run is written before its turn is queued, and the turn carries the run's id as its client message id,
so when the runner finishes the turn it finds the run with two strongly consistent reads, however fast the
turn was. (Looking the run up by session through an index could miss a run written a moment before.)
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared import jobs, net
from shared.accounts.domain import Principal
from shared.chat import turns
from shared.errors import NotFoundError, StudioError, ValidationError
from shared.integrations import store
from shared.integrations.store import RunRecord, TurnRecord
from shared.logs import logger
from shared.models import CallbackStatus, ExchangeStatus, PermissionMode
from shared.projects import service as projects
from shared.settings import get_settings

MAX_METADATA_BYTES = 4096
# Nobody is there to approve a tool call, so the modes that would wait for a person are not offered.
PERMISSION_MODES = (PermissionMode.ACCEPT_EDITS.value, PermissionMode.PLAN.value)
DEFAULT_PERMISSION_MODE = PermissionMode.ACCEPT_EDITS.value
CLIENT_ID_PREFIX = "integration-run:"
TERMINAL = (ExchangeStatus.COMPLETED.value, ExchangeStatus.FAILED.value, ExchangeStatus.ABORTED.value)
_RUN_ID = re.compile(r"^run_[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class CallbackView:
    url: str
    status: str
    attempts: int


@dataclass(frozen=True, slots=True)
class RunView:
    run_id: str
    status: str
    result: str | None
    error: str | None
    usage: dict[str, int]
    cost_usd: float
    duration_ms: int | None
    session_id: str | None
    project_id: str
    metadata: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None
    callback: CallbackView | None

    @property
    def poll_url(self) -> str:
        return f"{get_settings().public_url}/api/integrations/runs/{self.run_id}"


def _prompt(value: str) -> str:
    if not value.strip():
        raise ValidationError("'prompt' must not be empty.", code="invalid_prompt")
    if len(value) > turns.MAX_MESSAGE_CHARS:
        raise ValidationError(
            f"'prompt' is {len(value):,} characters; at most {turns.MAX_MESSAGE_CHARS:,} are accepted.",
            code="prompt_too_long",
        )
    return value


def _permission_mode(value: str | None) -> str:
    if value is None:
        return DEFAULT_PERMISSION_MODE
    if value not in PERMISSION_MODES:
        raise ValidationError(
            f"'permissionMode' must be one of: {', '.join(PERMISSION_MODES)} (nobody is there to approve tools).",
            code="invalid_permission_mode",
        )
    return value


def _metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        raise ValidationError(
            f"'metadata' is {size:,} bytes of JSON; at most {MAX_METADATA_BYTES:,} are accepted.",
            code="metadata_too_large",
        )
    return value


def _callback_url(caller: Principal, value: str | None) -> str | None:
    """The URL given for this run, else the key's own; a run without a key cannot be signed, so has none."""
    if value is not None:
        if caller.via != "api_key":
            raise ValidationError(
                "A callback is signed with an API key's secret: start the run with X-API-Key to get one.",
                code="callback_needs_api_key",
            )
        return net.check_outbound_url(value, allow_private=get_settings().is_local)
    return store.key_callback_url(caller.api_key_id) if caller.api_key_id else None


def start(
    caller: Principal,
    *,
    project_id: str,
    prompt: str,
    permission_mode: str | None = None,
    callback_url: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> RunView:
    """Validate, record the run, queue its turn in a new session; returns at once with the run queued."""
    prompt = _prompt(prompt)
    mode = _permission_mode(permission_mode)
    metadata = _metadata(metadata)
    url = _callback_url(caller, callback_url)
    projects.open_project(caller, project_id, write=True)
    run_id = f"run_{uuid.uuid4().hex}"
    key_id = caller.api_key_id if caller.via == "api_key" else None
    record = store.create(
        run_id, user_id=caller.user_id, key_id=key_id, project_id=project_id, metadata=metadata, callback_url=url
    )
    try:
        exchange = turns.send(
            caller,
            project_id=project_id,
            session_id=None,
            message=prompt,
            client_message_id=f"{CLIENT_ID_PREFIX}{run_id}",
            permission_mode=mode,
            correlation_id=run_id,
        )
    except Exception:
        with contextlib.suppress(Exception):  # a run left behind would expire with its TTL anyway
            store.delete(run_id)
        raise
    store.attach(run_id, exchange.session_id, int(exchange.turn))
    logger.info("integration run queued", extra={"run_id": run_id, "session_id": exchange.session_id})
    return RunView(
        run_id=run_id,
        status=ExchangeStatus.QUEUED.value,
        result=None,
        error=None,
        usage=_usage(None),
        cost_usd=0.0,
        duration_ms=None,
        session_id=exchange.session_id,
        project_id=project_id,
        metadata=metadata,
        created_at=record.created_at,
        finished_at=None,
        callback=_callback(record),
    )


def get(caller: Principal, run_id: str) -> RunView:
    """The caller's run with its turn's live state; anyone else's run is "not found"."""
    record = store.get(run_id) if _RUN_ID.match(run_id) else None
    if record is None or record.user_id != caller.user_id:
        raise NotFoundError("There is no such run.", code="run_not_found")
    return view(record)


def view(record: RunRecord) -> RunView:
    turn = store.turn(record.session_id, record.turn) if record.session_id and record.turn is not None else None
    done = turn is not None and turn.status in TERMINAL
    return RunView(
        run_id=record.run_id,
        status=turn.status if turn else record.status,
        result=(turn.response_text or None) if turn and done else None,
        error=turn.error if turn else None,
        usage=_usage(turn),
        cost_usd=turn.cost_usd if turn else 0.0,
        duration_ms=turn.duration_ms if turn else None,
        session_id=record.session_id,
        project_id=record.project_id,
        metadata=record.metadata,
        created_at=record.created_at,
        finished_at=(turn.finished_at if turn and done else None) or record.finished_at,
        callback=_callback(record),
    )


def _usage(turn: TurnRecord | None) -> dict[str, int]:
    return {
        "inputTokens": turn.tokens_in if turn else 0,
        "outputTokens": turn.tokens_out if turn else 0,
        "cacheReadTokens": turn.cache_read_tokens if turn else 0,
        "cacheWriteTokens": turn.cache_write_tokens if turn else 0,
    }


def _callback(record: RunRecord) -> CallbackView | None:
    if not record.callback_url:
        return None
    status = record.callback_status or CallbackStatus.PENDING.value
    return CallbackView(record.callback_url, status, record.callback_attempts)


def on_turn_finished(session_id: str, turn: int) -> None:
    """Called by the runner once a turn is recorded: if an integration run started it, queue its callback."""
    finished = store.turn(session_id, turn)
    client_id = (finished.client_message_id if finished else None) or ""
    if finished is None or not client_id.startswith(CLIENT_ID_PREFIX) or finished.status not in TERMINAL:
        return
    run_id = client_id.removeprefix(CLIENT_ID_PREFIX)
    record = store.record_finish(run_id, session_id, turn, finished.status)
    if record is None or not record.callback_url:
        return  # finished before (a duplicate call), expired, or nobody to tell
    try:
        jobs.enqueue("callback.deliver", {"run_id": run_id}, group_id=f"callback-{run_id}", owner_id=record.user_id)
    except StudioError as exc:
        store.record_callback(run_id, CallbackStatus.FAILED, error=f"The callback could not be queued: {exc.message}")
        raise
