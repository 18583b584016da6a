"""Runs by API key: a prompt sent by an integration becomes a chat turn in a new session; polled; reported back.

The run is written before its turn is queued, and the turn carries the run's id as its client message id,
so when the runner finishes the turn it finds the run with two strongly consistent reads, however fast the
turn was. (Looking the run up by session through an index could miss a run written a moment before.)
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from typing import Any

from shared import jobs, net
from shared.accounts.domain import Principal
from shared.chat import turns
from shared.errors import NotFoundError, StudioError, ValidationError
from shared.integrations import store
from shared.integrations.store import RunRecord
from shared.integrations.views import RunIn, RunUsage, RunView
from shared.logs import logger
from shared.models.chat import ExchangeStatus, PermissionMode
from shared.models.integrations import CallbackStatus
from shared.projects import service as projects
from shared.settings import get_settings

MAX_METADATA_BYTES = 4096
# Nobody is there to approve a tool call, so the modes that would wait for a person are not offered.
PERMISSION_MODES = (PermissionMode.ACCEPT_EDITS.value, PermissionMode.PLAN.value)
DEFAULT_PERMISSION_MODE = PermissionMode.ACCEPT_EDITS.value
CLIENT_ID_PREFIX = "integration-run:"
TERMINAL = (ExchangeStatus.COMPLETED.value, ExchangeStatus.FAILED.value, ExchangeStatus.ABORTED.value)
_RUN_ID = re.compile(r"^run_[0-9a-f]{32}$")


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


def start(caller: Principal, new: RunIn) -> RunView:
    """Validate, record the run, queue its turn in a new session; returns at once with the run queued."""
    prompt = _prompt(new.prompt)
    mode = _permission_mode(new.permission_mode)
    metadata = _metadata(new.metadata)
    url = _callback_url(caller, new.callback_url)
    projects.open_project(caller, new.project_id, write=True)
    run_id = f"run_{uuid.uuid4().hex}"
    key_id = caller.api_key_id if caller.via == "api_key" else None
    store.create(
        run_id, user_id=caller.user_id, key_id=key_id, project_id=new.project_id, metadata=metadata, callback_url=url
    )
    try:
        exchange = turns.send(
            caller,
            project_id=new.project_id,
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
    record = store.attach(run_id, exchange.session_id, int(exchange.turn))
    logger.info("integration run queued", extra={"run_id": run_id, "session_id": exchange.session_id})
    return RunView.model_validate(record)  # queued: its turn has not been read


def get(caller: Principal, run_id: str) -> RunView:
    """The caller's run with its turn's live state; anyone else's run is "not found"."""
    record = store.get(run_id) if _RUN_ID.match(run_id) else None
    if record is None or record.user_id != caller.user_id:
        raise NotFoundError("There is no such run.", code="run_not_found")
    return view(record)


def view(record: RunRecord) -> RunView:
    """The run as the API shows it: its record, with the live state of its turn laid over it."""
    turn = store.turn(record.session_id, record.turn) if record.session_id and record.turn is not None else None
    if turn is None:
        return RunView.model_validate(record)
    done = turn.status in TERMINAL
    live = {
        "status": turn.status,
        "result": (turn.response_text or None) if done else None,
        "error": turn.error,
        "usage": RunUsage.model_validate(turn),
        "cost_usd": turn.cost_usd,
        "duration_ms": turn.duration_ms,
        "finished_at": (turn.finished_at if done else None) or record.finished_at,
    }
    return RunView.model_validate(record).model_copy(update=live)


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
