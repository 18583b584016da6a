"""Token counts read from a Messages API answer while it is relayed.

A streamed answer is a sequence of Messages API events. Only two carry usage: `message_start` (`message.usage`,
the input and cache counts and a first output count, and `message.model`) and `message_delta` (`usage`, the
cumulative output count and possibly updated input and cache counts). The Anthropic API sends them as server-sent
events; Bedrock wraps each one, base64-encoded, in an AWS event-stream `chunk` frame. Either meter parses JSON
only for those two events and skips every other one without keeping it. A whole (non-streamed) answer is one JSON
body with `usage` and `model`. The model is the answer's own, else the one the request named (Bedrock's path).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.eventstream import EventStreamBuffer, EventStreamMessage

_USAGE_EVENTS = frozenset({b"message_start", b"message_delta"})
_MAX_LINE_BYTES = 1024 * 1024  # a usage event is a few hundred bytes; a longer line is never parsed
_MAX_JSON_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class Tokens:
    """What one answer reported: its model and token counts."""

    model: str | None = None
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def update(self, usage: Any, model: Any = None) -> None:
        """Take the counts `usage` reports (a later report replaces an earlier one: they are cumulative)."""
        if isinstance(model, str):
            self.model = model
        if not isinstance(usage, dict):
            return
        self.input = _count(usage, "input_tokens", self.input)
        self.output = _count(usage, "output_tokens", self.output)
        self.cache_read = _count(usage, "cache_read_input_tokens", self.cache_read)
        self.cache_write = _count(usage, "cache_creation_input_tokens", self.cache_write)


class Meter(Protocol):
    def feed(self, data: bytes) -> None:
        """Look at the next piece of the answer's body."""

    def result(self) -> Tokens | None:
        """The counts seen so far, or None if the answer reported no usage."""


class StreamUsage:
    """The usage a stream's events report, however they are framed: what both streaming meters share."""

    def __init__(self, model: str | None) -> None:
        self._model = model
        self.tokens: Tokens | None = None

    def take(self, event: bytes, payload: Any) -> None:
        """Account one decoded stream event (`event` is its type); events other than the two with usage are ignored."""
        if not isinstance(payload, dict):
            return
        if event == b"message_start" and isinstance(payload.get("message"), dict):
            message = payload["message"]
            self._tokens().update(message.get("usage"), message.get("model"))
        elif event == b"message_delta":
            self._tokens().update(payload.get("usage"))

    def _tokens(self) -> Tokens:
        if self.tokens is None:
            self.tokens = Tokens(model=self._model)
        return self.tokens


class SseMeter:
    """Usage from a server-sent event stream, fed in arbitrary pieces."""

    def __init__(self, *, model: str | None = None) -> None:
        self._partial = bytearray()  # the current line, when a piece ended inside it
        self._overlong = False  # the current line passed _MAX_LINE_BYTES: skip it
        self._event = b""
        self._data: list[bytes] = []
        self._usage = StreamUsage(model)

    def feed(self, data: bytes) -> None:
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            line = data[start:end]
            if self._partial or self._overlong:
                line, overlong = bytes(self._partial) + line, self._overlong
                self._partial.clear()
                self._overlong = False
                if overlong:
                    line = b"x"  # neither blank nor a field: ignored
            self._line(line.rstrip(b"\r"))
            start = end + 1
        if start < len(data):
            if len(self._partial) + len(data) - start > _MAX_LINE_BYTES:
                self._partial.clear()
                self._overlong = True
            elif not self._overlong:
                self._partial += data[start:]

    def result(self) -> Tokens | None:
        return self._usage.tokens

    def _line(self, line: bytes) -> None:
        if not line:
            self._dispatch()
        elif line.startswith(b"event:"):
            self._event = line[6:].strip()
        elif line.startswith(b"data:") and self._event in _USAGE_EVENTS:
            self._data.append(line[5:])

    def _dispatch(self) -> None:
        event, data = self._event, self._data
        self._event, self._data = b"", []
        if data:
            self._usage.take(event, _json(b"\n".join(data)))


class EventStreamMeter:
    """Usage from an AWS event stream of Messages API events (Bedrock's invoke-with-response-stream), fed in
    arbitrary pieces.

    Frames are decoded with botocore's EventStreamBuffer, which checks both CRCs and bounds a frame's size. A
    `chunk` event's payload is `{"bytes": base64 of one stream event}`; other frames (exceptions) carry no usage.
    A frame that does not decode ends the metering (the answer is relayed all the same): what was counted before
    it stands.
    """

    def __init__(self, *, model: str | None = None) -> None:
        self._frames: EventStreamBuffer | None = EventStreamBuffer()
        self._usage = StreamUsage(model)

    def feed(self, data: bytes) -> None:
        if self._frames is None:
            return
        self._frames.add_data(data)
        try:
            for message in self._frames:
                self._frame(message)
        except Exception:  # a CRC, a length, a header type or its UTF-8: a meter never breaks the relay
            self._frames = None

    def result(self) -> Tokens | None:
        return self._usage.tokens

    def _frame(self, message: EventStreamMessage) -> None:
        headers = message.headers
        if headers.get(":message-type") != "event" or headers.get(":event-type") != "chunk":
            return
        wrapper = _json(message.payload)
        encoded = wrapper.get("bytes") if isinstance(wrapper, dict) else None
        if not isinstance(encoded, str):
            return
        try:
            event = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return
        if b"message_start" in event or b"message_delta" in event:  # the only two worth parsing
            payload = _json(event)
            kind = payload.get("type") if isinstance(payload, dict) else None
            self._usage.take(kind.encode() if isinstance(kind, str) else b"", payload)


class JsonMeter:
    """Usage from a whole JSON message, kept until its end (bounded)."""

    def __init__(self, *, model: str | None = None) -> None:
        self._model = model
        self._body = bytearray()

    def feed(self, data: bytes) -> None:
        if len(self._body) + len(data) <= _MAX_JSON_BYTES:
            self._body += data

    def result(self) -> Tokens | None:
        message = _json(bytes(self._body))
        if not isinstance(message, dict) or not isinstance(message.get("usage"), dict):
            return None
        tokens = Tokens(model=self._model)
        tokens.update(message["usage"], message.get("model"))
        return tokens


def _json(data: bytes) -> Any:
    """`data` parsed as JSON, or None if it is not JSON."""
    try:
        return json.loads(data)
    except ValueError:
        return None


def _count(usage: dict[str, Any], key: str, default: int) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default
