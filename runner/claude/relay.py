"""From the CLI's stream-json lines to session events, with text deltas coalesced.

API Gateway frames are 32 KB and every post_to_connection is a billed message, so text deltas are coalesced: the
first after a quiet spell goes at once, the next ones at most every 250 ms or at 6,000 characters (at most 24 KB
of UTF-8); tool calls and results are summarised for display, never sent whole.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runner.claude.activity import TurnActivity

FLUSH_SECONDS = 0.25
FLUSH_CHARS = 6_000
SUMMARY_CHARS = 300
INPUT_PREVIEW_CHARS = 2_000

Emit = Callable[[dict[str, Any]], object]


class Coalescer:
    """Buffers text and emits it as few events as the latency budget allows.

    Text goes out at once when nothing went out in the last `delay` seconds, else when `delay` has passed since
    the last emit, by the first text that comes after it (so it carries the newest token) or by the caller's
    timer (due_in). A steady stream makes one event per `delay`, a lone token is not held back.
    """

    def __init__(
        self,
        emit: Callable[[str], object],
        *,
        delay: float = FLUSH_SECONDS,
        limit: int = FLUSH_CHARS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._emit, self._delay, self._limit, self._clock = emit, delay, limit, clock
        self._pending: list[str] = []
        self._size = 0
        self._emitted_at = float("-inf")

    def add(self, text: str) -> None:
        if not text:
            return
        self._pending.append(text)
        self._size += len(text)
        if self._size >= self._limit or self.due_in() <= 0:
            self.flush()

    def due_in(self) -> float:
        """Seconds until the buffer must be flushed (a long time when it is empty)."""
        if not self._pending:
            return 3600.0
        return max(0.0, self._emitted_at + self._delay - self._clock())

    def flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending, self._size, self._emitted_at = [], 0, self._clock()
        for start in range(0, len(text), self._limit):
            self._emit(text[start : start + self._limit])


def _clip(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarise_tool(name: str, tool_input: dict[str, Any], cwd: Path) -> str:
    """A one-line description of a tool call for the conversation view."""
    path = tool_input.get("file_path") or tool_input.get("path") or tool_input.get("notebook_path")
    if isinstance(path, str):
        with contextlib.suppress(ValueError):
            path = str(Path(path).relative_to(cwd))
    if name in ("Write", "Edit", "MultiEdit", "Read", "NotebookEdit") and path:
        return f"{name} {path}"
    if name == "Bash":
        return f"Bash: {_clip(tool_input.get('command', ''), 200)}"
    if name in ("Glob", "Grep"):
        return f"{name} {_clip(tool_input.get('pattern', ''), 200)}"
    if name in ("WebFetch", "WebSearch"):
        return f"{name} {_clip(tool_input.get('url') or tool_input.get('query', ''), 200)}"
    return name


def _result_text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


class Relay:
    """Turns CLI lines into events for one turn; remembers what the turn needs to be recorded."""

    def __init__(self, emit: Emit, *, turn: int, cwd: Path) -> None:
        self.activity = TurnActivity()  # what the turn did and asked, for its record (a reopened chat shows it)
        self.emit, self.turn, self.cwd = self.activity.watching(emit), turn, cwd
        self.text = Coalescer(lambda chunk: self.emit({"type": "text.delta", "turn": turn, "text": chunk}))
        self.response: list[str] = []
        self.claude_session_id: str | None = None
        self.model: str | None = None
        self.result: dict[str, Any] | None = None
        self.tool_errors = 0
        self.resumed = False  # set when the CLI continues an earlier session (its costs are cumulative)
        self.denied_tools: set[str] = set()  # tool calls whose permission was denied (runner/claude/asks.py)
        self._streamed_messages: set[str] = set()
        self._current_message: str | None = None

    def handle(self, line: dict[str, Any]) -> dict[str, Any] | None:
        """Relay one line; returns a can_use_tool control request for the caller to decide."""
        kind = line.get("type")
        if kind == "system" and line.get("subtype") == "init":
            self.claude_session_id = line.get("session_id") or self.claude_session_id
            self.model = line.get("model") or self.model
        elif kind == "stream_event":
            self._stream_event(line.get("event") or {})
        elif kind == "assistant":
            self._assistant(line.get("message") or {})
        elif kind == "user":
            self._tool_results(line.get("message") or {})
        elif kind == "control_request" and (line.get("request") or {}).get("subtype") == "can_use_tool":
            self.text.flush()
            return line
        elif kind == "result":
            self.text.flush()
            self.result = line
            self.claude_session_id = line.get("session_id") or self.claude_session_id
        return None

    def _stream_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "message_start":
            self._current_message = (event.get("message") or {}).get("id")
        elif event.get("type") == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta":
                if self._current_message:
                    self._streamed_messages.add(self._current_message)
                self.response.append(delta.get("text", ""))
                self.text.add(delta.get("text", ""))

    def _assistant(self, message: dict[str, Any]) -> None:
        streamed = message.get("id") in self._streamed_messages
        for block in message.get("content") or []:
            if block.get("type") == "text" and not streamed:
                # No deltas were seen for this message (a non-streaming fallback): send it whole.
                self.response.append(block.get("text", ""))
                self.text.add(block.get("text", ""))
            elif block.get("type") == "tool_use":
                self.text.flush()
                tool_input = block.get("input") or {}
                self.emit(
                    {
                        "type": "tool.use",
                        "turn": self.turn,
                        "toolUseId": block.get("id"),
                        "name": block.get("name"),
                        "summary": summarise_tool(str(block.get("name")), tool_input, self.cwd),
                    }
                )

    def _tool_results(self, message: dict[str, Any]) -> None:
        content = message.get("content")
        if not isinstance(content, list):
            return
        for block in content:
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                continue
            self.text.flush()
            is_error = bool(block.get("is_error"))
            denied = is_error and block.get("tool_use_id") in self.denied_tools
            self.tool_errors += int(is_error and not denied)
            event = {
                "type": "tool.result",
                "turn": self.turn,
                "toolUseId": block.get("tool_use_id"),
                "isError": is_error,
                "summary": _clip(_result_text(block.get("content"))),
            }
            self.emit({**event, "denied": True} if denied else event)

    @property
    def response_text(self) -> str:
        return "".join(self.response)
