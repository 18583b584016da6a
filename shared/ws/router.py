"""The $default route: parse a client message, select its action, check its body, reply with events.

API Gateway's route selection uses `$request.body.action`; everything without a dedicated route lands
here, so this is also where malformed messages get their clear error event. Each action declares the model
of its body (shared.realtime.messages.Message, next to its domain's REST inputs); its handler gets the model.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shared.accounts.views import Account
from shared.constants import WS_FRAME_LIMIT_BYTES
from shared.errors import StudioError
from shared.logs import logger
from shared.realtime.events import error_event
from shared.realtime.messages import Message, parse
from shared.realtime.publisher import post_event


@dataclass(frozen=True, slots=True)
class ActionRequest:
    connection_id: str
    request_id: str
    action: str
    user_id: str | None = None
    received_at_ms: int = 0
    reply: Callable[[dict[str, Any]], bool] = field(default=lambda event: False, repr=False)
    account: Account | None = None  # the caller as read for its standing (shared.ws.standing); None: not read yet


M = TypeVar("M", bound=Message)
ActionHandler = Callable[[ActionRequest, M], None]  # gets the message's body as its action's model
_ACTIONS: dict[str, tuple[type[Message], ActionHandler[Any]]] = {}


class MessageError(StudioError):
    status = 400
    code = "invalid_request"


def action(name: str, model: type[M]) -> Callable[[ActionHandler[M]], ActionHandler[M]]:
    """Register the handler of one client action, which gets the message's body checked as `model`."""

    def register(handler: ActionHandler[M]) -> ActionHandler[M]:
        assert name not in _ACTIONS, f"action {name!r} registered twice"
        _ACTIONS[name] = (model, handler)
        return handler

    return register


def known_actions() -> list[str]:
    return sorted(_ACTIONS)


def parse_message(body: str | None, *, is_base64: bool = False) -> dict[str, Any]:
    """Decode and validate the envelope of a client message."""
    raw = body or ""
    if is_base64:
        try:
            raw_bytes = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MessageError("The message is not valid base64.", code="invalid_message") from exc
    else:
        raw_bytes = raw.encode("utf-8", errors="surrogatepass")
    if len(raw_bytes) > WS_FRAME_LIMIT_BYTES:
        raise MessageError(
            f"The message is {len(raw_bytes)} bytes; messages may be at most {WS_FRAME_LIMIT_BYTES} bytes.",
            code="message_too_large",
        )
    if not raw_bytes.strip():
        raise MessageError("The message is empty; send a JSON object with an 'action'.", code="invalid_message")
    try:
        message = json.loads(raw_bytes)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MessageError("The message is not valid JSON.", code="invalid_json") from exc
    if not isinstance(message, dict):
        raise MessageError("The message must be a JSON object with an 'action'.", code="invalid_message")
    name = message.get("action")
    if name is None or name == "":
        raise MessageError("The message has no 'action'.", code="missing_action")
    if not isinstance(name, str):
        raise MessageError("The message's 'action' must be a string.", code="invalid_message")
    return message


def dispatch(
    *,
    connection_id: str,
    request_id: str,
    body: str | None,
    is_base64: bool = False,
    user_id: str | None = None,
    received_at_ms: int = 0,
    account: Account | None = None,
) -> str | None:
    """Handle one client message; every failure becomes an error event on the same connection.

    `account` is the caller's, when it was read already (actions that act as the caller use it rather than read
    it again). Returns the action name when the message was valid, None otherwise.
    """

    def reply(event: dict[str, Any]) -> bool:
        return post_event(connection_id, event)

    message: dict[str, Any] = {}
    try:
        if user_id is None:
            raise MessageError("Your session has ended; sign in and reconnect.", code="unauthenticated")
        message = parse_message(body, is_base64=is_base64)
        name = message["action"]
        if name not in _ACTIONS:
            raise MessageError(
                f"Unknown action {name[:64]!r}. Known actions: {', '.join(known_actions())}.",
                code="unknown_action",
            )
        model, handler = _ACTIONS[name]
        request = ActionRequest(connection_id, request_id, name, user_id, received_at_ms, reply, account)
        handler(request, parse(model, message))
        return name
    except StudioError as exc:
        logger.info("client message refused", extra={"code": exc.code, "reason": exc.message})
        # Echo what identifies the refused message, so a client can tell which of its messages failed.
        echo = {
            key: message[key]
            for key in ("action", "clientMessageId", "sessionId")
            if isinstance(message.get(key), str) and len(message[key]) <= 200
        }
        reply(error_event(exc.code, exc.message, request_id=request_id, **echo))
    except Exception:
        logger.exception("action failed")
        reply(
            error_event(
                "internal_error",
                "Something went wrong on our side; the request was not processed.",
                request_id=request_id,
            )
        )
    return None
