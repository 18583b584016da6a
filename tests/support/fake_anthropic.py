"""A scriptable fake of the Anthropic Messages API for driving the real Claude Code CLI in tests.

    with FakeAnthropic() as api:
        api.script(Reply.text(["Hel", "lo"]))
        env = api.cli_env(home=tmp_path)   # hand to subprocess.Popen(..., env=env)

Scripted replies are consumed in order by POST /v1/messages (a reply with a `when` predicate waits for a request it
matches); a request nothing matches gets a short fallback text and is marked unscripted. Every request is recorded
(headers, path, JSON body, monotonic arrival time) and every streamed text chunk's socket-write time is kept, so a
consumer can measure relay latency. Unknown paths are recorded and answered 404. Given `api_keys`, a request whose
x-api-key (or bearer token) is not one of them is answered 401 like the real API; by default any key is accepted.
tests/support/fake_bedrock.py serves the same scripted replies the way Bedrock does.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import select
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TEST_API_KEY = "sk-ant-api03-fake-test-key"  # not a secret: the fake accepts anything
HANG_LIMIT_SECONDS = 30.0  # a stalled reply never outlives this, released or not
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
ERROR_MESSAGES = {401: "invalid x-api-key", 429: "Number of requests has exceeded your rate limit", 529: "Overloaded"}
CREDIT_BALANCE_TOO_LOW = (
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or "
    "purchase credits."
)
_tool_ids = itertools.count(1)


@dataclass(frozen=True)
class Usage:
    """Token counts reported in message_start (input side) and message_delta (cumulative)."""

    input_tokens: int = 12
    output_tokens: int | None = None  # None: about one token per four characters of output
    cache_creation_input_tokens: int = 1_500
    cache_read_input_tokens: int = 12_000


@dataclass(frozen=True)
class Text:
    chunks: tuple[str, ...]


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: dict[str, Any]
    id: str


@dataclass(frozen=True)
class Reply:
    """One scripted answer: streamed blocks, an HTTP error, a mid-stream error event, or a stall."""

    blocks: tuple[Text | ToolUse, ...] = ()
    delays: tuple[float, ...] = ()  # seconds slept before text chunk i (missing: none)
    stop_reason: str = "end_turn"
    usage: Usage = Usage()
    status: int = 200
    error: tuple[str, str] | None = None  # (type, message): the HTTP error body, or the mid-stream error event
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False  # after the chunks, stall until release() or the client goes away
    times: int = 1  # answer this many matching requests (e.g. an error for every retry)
    when: Callable[[Request], bool] | None = None  # None: the next request, whatever it is

    @classmethod
    def text(cls, chunks: Sequence[str] | str, *, delay: float | Sequence[float] = 0.0, **kw: Any) -> Reply:
        chunks = (chunks,) if isinstance(chunks, str) else tuple(chunks)
        delays = (0.0,) + (delay,) * (len(chunks) - 1) if isinstance(delay, int | float) else tuple(delay)
        return cls(blocks=(Text(chunks),), delays=delays, **kw)

    @classmethod
    def tool_use(cls, name: str, tool_input: dict[str, Any], *, text: str | None = None, **kw: Any) -> Reply:
        tool = ToolUse(name, tool_input, f"toolu_fake_{next(_tool_ids):04d}")
        blocks: tuple[Text | ToolUse, ...] = ((Text((text,)),) if text else ()) + (tool,)
        return cls(blocks=blocks, stop_reason="tool_use", **kw)

    @classmethod
    def write(cls, file_path: str, content: str, **kw: Any) -> Reply:
        return cls.tool_use("Write", {"file_path": file_path, "content": content}, **kw)

    @classmethod
    def http_error(cls, status: int, message: str | None = None, **kw: Any) -> Reply:
        error = (ERROR_TYPES.get(status, "api_error"), message or ERROR_MESSAGES.get(status, "Internal server error"))
        return cls(status=status, error=error, **kw)

    @classmethod
    def low_credit(cls, **kw: Any) -> Reply:
        """What the API answers an organisation whose prepaid credit has run out (a 400, not a 402)."""
        return cls.http_error(400, CREDIT_BALANCE_TOO_LOW, **kw)

    @classmethod
    def stream_error(cls, chunks: Sequence[str] = (), error_type: str = "overloaded_error", **kw: Any) -> Reply:
        """A 200 stream that sends `chunks`, then an `error` event instead of the message's end."""
        message = "Overloaded" if error_type == "overloaded_error" else "Internal server error"
        return cls(blocks=(Text(tuple(chunks)),), error=(error_type, message), **kw)

    @classmethod
    def stall(cls, chunks: Sequence[str] = (), **kw: Any) -> Reply:
        """A stream that sends `chunks`, then hangs until release(), the client leaves, or the hang limit."""
        return cls(blocks=(Text(tuple(chunks)),), hang=True, **kw)

    def when_last_user_contains(self, needle: str) -> Reply:
        return dataclasses.replace(self, when=lambda request: needle in request.last_user_text)

    def delay_before(self, index: int) -> float:
        return self.delays[index] if index < len(self.delays) else 0.0


@dataclass
class Request:
    """What the CLI sent, when it arrived, and what it was answered."""

    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    arrived_at: float
    reply: Reply | None = None
    finished_at: float | None = None
    client_gone: bool = False

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def system_text(self) -> str:
        system = self.body.get("system", "") if isinstance(self.body, dict) else ""
        return system if isinstance(system, str) else "\n".join(block.get("text", "") for block in system)

    @property
    def tool_names(self) -> list[str]:
        return [tool.get("name", "") for tool in self.body.get("tools", [])] if isinstance(self.body, dict) else []

    @property
    def last_user_text(self) -> str:
        users = [message for message in self.messages if message.get("role") == "user"]
        return content_text(users[-1].get("content")) if users else ""

    def tool_results(self) -> list[dict[str, Any]]:
        return [
            block
            for message in self.messages
            if message.get("role") == "user" and isinstance(message.get("content"), list)
            for block in message["content"]
            if block.get("type") == "tool_result"
        ]


@dataclass(frozen=True)
class ChunkWrite:
    request_index: int
    text: str
    written_at: float  # time.monotonic() right after the chunk was flushed to the socket


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or text and tool_result blocks joined."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(content_text(block.get("content")))
    return "\n".join(parts)


@dataclass
class _State:
    queue: list[list[Any]] = field(default_factory=list)  # [reply, uses left]
    requests: list[Request] = field(default_factory=list)
    chunks: list[ChunkWrite] = field(default_factory=list)
    hanging: list[Request] = field(default_factory=list)
    chunk_hooks: list[Callable[[ChunkWrite], None]] = field(default_factory=list)


class FakeAnthropic:
    """The fake API server on 127.0.0.1 and a free port; a context manager."""

    handler: type[_Handler]  # how requests are served (set below the handler class)

    def __init__(self, *, hang_limit: float = HANG_LIMIT_SECONDS, api_keys: Collection[str] | None = None) -> None:
        self.hang_limit = hang_limit
        self.api_keys = None if api_keys is None else frozenset(api_keys)  # None: any key is accepted
        self._state = _State()
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _bound_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-anthropic", daemon=True)

    def __enter__(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def unscript(self) -> None:
        """Drop the replies still queued (a test that failed midway must not answer the next test's requests)."""
        with self._changed:
            self._state.queue.clear()

    def script(self, *replies: Reply) -> None:
        with self._changed:
            self._state.queue.extend([reply, reply.times] for reply in replies)

    def on_chunk(self, hook: Callable[[ChunkWrite], None]) -> None:
        """Call `hook` (on the server thread) right after each text chunk is flushed."""
        self._state.chunk_hooks.append(hook)

    def release(self) -> None:
        """Let every stalled reply, now and later, finish its message."""
        self._released.set()

    @property
    def requests(self) -> list[Request]:
        with self._changed:
            return list(self._state.requests)

    @property
    def message_requests(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path.split("?")[0] == "/v1/messages"]

    @property
    def unknown_requests(self) -> list[Request]:
        return [r for r in self.requests if r.reply is not None and r.reply.status == 404]

    @property
    def unscripted(self) -> list[Request]:
        return [r for r in self.message_requests if r.reply is None]

    @property
    def chunk_writes(self) -> list[ChunkWrite]:
        with self._changed:
            return list(self._state.chunks)

    @property
    def pending(self) -> list[Reply]:
        with self._changed:
            return [reply for reply, left in self._state.queue if left > 0]

    def wait_for(self, condition: Callable[[], Any], *, timeout: float, what: str = "the fake API") -> Any:
        """Block until `condition()` is truthy (re-checked on every server event), at most `timeout` seconds."""
        with self._changed:
            value = self._changed.wait_for(condition, timeout=timeout)
        if not value:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        return value

    def wait_for_requests(self, count: int, *, timeout: float = 10.0) -> list[Request]:
        self.wait_for(lambda: len(self._message_requests()) >= count, timeout=timeout, what=f"{count} requests")
        return self.message_requests

    def wait_until_hanging(self, count: int = 1, *, timeout: float = 10.0) -> Request:
        """The request of the `count`-th stall, once the fake is holding it."""
        hanging = self._state.hanging
        return self.wait_for(lambda: len(hanging) >= count and hanging[count - 1], timeout=timeout, what="a stall")

    def cli_env(self, home: Path, **overrides: str) -> dict[str, str]:
        """An environment for `claude` that reaches only this fake and keeps its state under `home`."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
            "ANTHROPIC_BASE_URL": self.url,
            "ANTHROPIC_API_KEY": TEST_API_KEY,
            "NO_PROXY": "127.0.0.1,localhost",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "DISABLE_BUG_COMMAND": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        }
        return env | overrides

    # -- used by the handler ------------------------------------------------------------------------------------

    def _message_requests(self) -> list[Request]:
        return [r for r in self._state.requests if r.path.split("?")[0] == "/v1/messages"]

    def _record(self, request: Request) -> Request:
        with self._changed:
            request.index = len(self._state.requests)
            self._state.requests.append(request)
            self._changed.notify_all()
        return request

    def _take_reply(self, request: Request) -> Reply | None:
        with self._changed:
            for entry in self._state.queue:
                reply, left = entry
                if left > 0 and (reply.when is None or reply.when(request)):
                    entry[1] = left - 1
                    request.reply = reply
                    return reply
        return None

    def _chunk_written(self, chunk: ChunkWrite) -> None:
        with self._changed:
            self._state.chunks.append(chunk)
            self._changed.notify_all()
        for hook in self._state.chunk_hooks:
            hook(chunk)

    def _stall(self, request: Request, connection: socket.socket) -> None:
        """Wait for release(), the client closing its end, or the hang limit."""
        with self._changed:
            self._state.hanging.append(request)
            self._changed.notify_all()
        deadline = time.monotonic() + self.hang_limit
        while not self._released.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([connection], [], [], 0.05)
            if readable and not connection.recv(1, socket.MSG_PEEK):
                request.client_gone = True
                return

    def _finish(self, request: Request) -> None:
        with self._changed:
            request.finished_at = time.monotonic()
            self._changed.notify_all()


def sse_events(reply: Reply, model: str, message_id: str) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(event name, data, text chunk or None) for a streamed reply, in the order the real API sends them."""
    start_usage = final_usage(reply) | {"output_tokens": 1}
    message: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    yield "message_start", {"type": "message_start", "message": message}, None
    for index, block in enumerate(reply.blocks):
        if isinstance(block, Text):
            yield from _text_block_events(index, block)
        else:
            yield from _tool_block_events(index, block)
    if reply.error:
        return
    delta = {"stop_reason": reply.stop_reason, "stop_sequence": None}
    yield "message_delta", {"type": "message_delta", "delta": delta, "usage": final_usage(reply)}, None
    yield "message_stop", {"type": "message_stop"}, None


def final_usage(reply: Reply) -> dict[str, int]:
    """The usage a reply reports at its end (message_delta, or a whole message)."""
    usage = reply.usage
    output_tokens = usage.output_tokens
    if output_tokens is None:
        size = sum(len(json.dumps(b.input)) if isinstance(b, ToolUse) else len("".join(b.chunks)) for b in reply.blocks)
        output_tokens = max(1, size // 4)
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": usage.cache_creation_input_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
    }


def _text_block_events(index: int, block: Text) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    yield (
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
        None,
    )
    if index == 0:
        yield "ping", {"type": "ping"}, None
    for chunk in block.chunks:
        delta = {"type": "text_delta", "text": chunk}
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}, chunk
    yield "content_block_stop", {"type": "content_block_stop", "index": index}, None


def _tool_block_events(index: int, block: ToolUse) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    start = {"type": "tool_use", "id": block.id, "name": block.name, "input": {}}
    yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}, None
    encoded = json.dumps(block.input)
    for offset in range(0, len(encoded), 24):  # the real API streams tool input as partial JSON strings
        delta = {"type": "input_json_delta", "partial_json": encoded[offset : offset + 24]}
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}, None
    yield "content_block_stop", {"type": "content_block_stop", "index": index}, None


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; streamed replies use chunked transfer encoding, one SSE event per chunk."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is dropped after this
    api: FakeAnthropic

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recorded requests are the log."""

    def _serve(self) -> None:
        arrived_at = time.monotonic()
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = self.api._record(Request(-1, self.command, self.path, headers, self._read_body(), arrived_at))
        route = self.path.split("?")[0]
        try:
            if route.startswith("/v1/") and not self._key_accepted(headers):
                request.reply = Reply.http_error(401)
                self._error(request.reply)
            elif self.command == "POST" and route == "/v1/messages":
                self._messages(request)
            elif self.command == "POST" and route == "/v1/messages/count_tokens":
                self._json(200, {"input_tokens": max(1, len(json.dumps(request.body)) // 4)})
            else:
                request.reply = Reply.http_error(404, f"{self.command} {route} is not part of the fake API")
                self._error(request.reply)
        except (BrokenPipeError, ConnectionResetError):
            request.client_gone = True
            self.close_connection = True
        finally:
            self.api._finish(request)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server dispatches on these names

    def _key_accepted(self, headers: dict[str, str]) -> bool:
        if self.api.api_keys is None:
            return True
        bearer = headers.get("authorization", "").removeprefix("Bearer ").strip()
        return headers.get("x-api-key", bearer) in self.api.api_keys

    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.raw_body = raw  # as sent, for a subclass that checks a signature over it
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _messages(self, request: Request) -> None:
        reply = self.api._take_reply(request) or Reply.text(["OK"])
        if reply.status != 200:
            return self._error(reply)
        body = request.body if isinstance(request.body, dict) else {}
        model = str(body.get("model", "claude-sonnet-4-5"))
        message_id = f"msg_fake_{request.index:04d}"
        if body.get("stream"):
            return self._stream(request, reply, model, message_id)
        return self._json(200, _whole_message(reply, model, message_id))

    def _stream(self, request: Request, reply: Reply, model: str, message_id: str) -> None:
        self._start_stream(request, reply)
        chunk_index = 0
        for event, data, text in sse_events(reply, model, message_id):
            if text is not None:
                time.sleep(reply.delay_before(chunk_index))
                chunk_index += 1
            if event == "content_block_stop" and reply.hang:
                self.api._stall(request, self.connection)
                if request.client_gone:
                    return
            self._send_event(event, data)
            if text is not None:
                self.api._chunk_written(ChunkWrite(request.index, text, time.monotonic()))
        if reply.error:
            error_type, message = reply.error
            self._send_event("error", {"type": "error", "error": {"type": error_type, "message": message}})
        self._send_chunk(b"")

    def _start_stream(self, request: Request, reply: Reply) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", f"req_fake_{request.index:04d}")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()

    def _send_event(self, event: str, data: dict[str, Any]) -> None:
        self._send_chunk(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())

    def _send_chunk(self, payload: bytes) -> None:
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def _error(self, reply: Reply) -> None:
        error_type, message = reply.error or ("api_error", "error")
        body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": "req_fake_error"}
        self._json(reply.status, body, reply.headers)

    def _json(self, status: int, body: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


FakeAnthropic.handler = _Handler


def _bound_handler(api: FakeAnthropic) -> type[_Handler]:
    return type(f"Bound{api.handler.__name__}", (api.handler,), {"api": api})


def _whole_message(reply: Reply, model: str, message_id: str) -> dict[str, Any]:
    """The non-streaming form of a reply (side calls such as titles or summaries)."""
    content: list[dict[str, Any]] = []
    for block in reply.blocks:
        if isinstance(block, Text):
            content.append({"type": "text", "text": "".join(block.chunks)})
        else:
            content.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": final_usage(reply),
    }
