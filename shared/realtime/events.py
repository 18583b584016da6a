"""Server → client events: every event is a JSON object with a `type`."""

from __future__ import annotations

import json
from typing import Any

from shared.constants import WS_FRAME_LIMIT_BYTES


class EventTooLargeError(ValueError):
    """An event does not fit in one WebSocket frame."""


def error_event(code: str, message: str, *, request_id: str | None = None, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if request_id:
        event["requestId"] = request_id
    event.update(extra)
    return event


def encode(event: dict[str, Any]) -> bytes:
    """Serialise an event; refuses one that would not fit in a single 32 KB frame."""
    assert "type" in event, "server events carry a type"
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) > WS_FRAME_LIMIT_BYTES:
        raise EventTooLargeError(f"event of {len(data)} bytes exceeds the {WS_FRAME_LIMIT_BYTES}-byte frame limit")
    return data
