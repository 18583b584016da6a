"""Token counts read from a Messages API answer while it is relayed.

A streamed answer is server-sent events. Only two events carry usage: `message_start` (`message.usage`, the input
and cache counts and a first output count, and `message.model`) and `message_delta` (`usage`, the cumulative
output count and possibly updated input and cache counts). The meter splits the stream into lines as it passes
and parses JSON only for those two events; every other event is skipped without being decoded or kept.
A whole (non-streamed) answer is one JSON body with `usage` and `model`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

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


class SseMeter:
    """Usage from a server-sent event stream, fed in arbitrary pieces."""

    def __init__(self) -> None:
        self._partial = bytearray()  # the current line, when a piece ended inside it
        self._overlong = False  # the current line passed _MAX_LINE_BYTES: skip it
        self._event = b""
        self._data: list[bytes] = []
        self._tokens: Tokens | None = None

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
        return self._tokens

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
        if not data:
            return
        try:
            payload = json.loads(b"\n".join(data))
        except ValueError:
            return
        if not isinstance(payload, dict):
            return
        tokens = self._tokens or Tokens()
        if event == b"message_start" and isinstance(payload.get("message"), dict):
            message = payload["message"]
            tokens.update(message.get("usage"), message.get("model"))
        elif event == b"message_delta":
            tokens.update(payload.get("usage"))
        else:
            return
        self._tokens = tokens


class JsonMeter:
    """Usage from a whole JSON message, kept until its end (bounded)."""

    def __init__(self) -> None:
        self._body = bytearray()

    def feed(self, data: bytes) -> None:
        if len(self._body) + len(data) <= _MAX_JSON_BYTES:
            self._body += data

    def result(self) -> Tokens | None:
        try:
            message = json.loads(self._body)
        except ValueError:
            return None
        if not isinstance(message, dict) or not isinstance(message.get("usage"), dict):
            return None
        tokens = Tokens()
        tokens.update(message["usage"], message.get("model"))
        return tokens


def _count(usage: dict[str, Any], key: str, default: int) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default
