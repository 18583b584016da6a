"""Client → server messages: the base of every WebSocket action's model, and how a refused one reads.

    class ChatAbort(Message):                     # one model per action, next to its domain's REST inputs
        session_id: str | None = None

    parse(ChatAbort, {"action": "chat.abort", "sessionId": "…"})   # the model, or a ValidationError

A field's own check raises `shared.errors.ValidationError` (pydantic lets any other exception than a ValueError
through), so the client's `error` event carries that check's code and message whichever way the value came in.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as InvalidModel

from shared.errors import ValidationError
from shared.schema import Schema

MAX_PING_ID_LENGTH = 128

M = TypeVar("M", bound="Message")


class Message(Schema):
    """The body of one client action: camelCase fields; the envelope's `action` and unknown fields are ignored."""

    # Built when its action first arrives, not at import: $default's cold start pays only for what it validates.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


def required() -> Any:
    """A field the message must carry: absent reads as None, so the field's own check words the refusal."""
    return Field(default=None, validate_default=True)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """The message as `model`; a value no check of ours looked at is refused in pydantic's words."""
    try:
        return model.model_validate(data)
    except InvalidModel as exc:
        first = exc.errors(include_url=False)[0]
        location = ".".join(str(part) for part in first["loc"])
        raise ValidationError(f"'{location}': {first['msg']}.", code="invalid_request") from None


def _ping_id(value: Any) -> Any:
    if value is not None and (not isinstance(value, str) or len(value) > MAX_PING_ID_LENGTH):
        raise ValidationError(f"A ping 'id' must be a string of at most {MAX_PING_ID_LENGTH} characters.")
    return value


class Ping(Message):
    """ping: answered with a `pong` by the runner, which sends its `id` back."""

    id: Annotated[str | None, BeforeValidator(_ping_id)] = None
