"""Test kit for the model gateway: the fake Messages API behind it, a grant, and a plain HTTP/1.1 client."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from runner.gateway import AnthropicUpstream, Grant, ModelGateway
from shared.usage import ModelUsage
from tests.support.fake_anthropic import FakeAnthropic, Reply, sse_events

REAL_KEY = "sk-ant-api03-the-real-key-held-by-the-runner"
WAIT = 10.0  # the bound on any one wait; a healthy exchange takes milliseconds
MODEL = "claude-sonnet-4-5"
GRANT = Grant(
    user_id="u1",
    job_id="job-1",
    kind="chat",
    project_id="p1",
    session_id="s1",
    turn=3,
    expires_at=time.time() + 3600,
)


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(hang_limit=WAIT) as fake:
        yield fake


@pytest.fixture
def rows() -> list[ModelUsage]:
    return []


@pytest.fixture
def gateway(api: FakeAnthropic, rows: list[ModelUsage]) -> Iterator[ModelGateway]:
    with ModelGateway(upstream=AnthropicUpstream(api.url, api_key=REAL_KEY), recorder=rows.append) as started:
        yield started


@pytest.fixture
def token(gateway: ModelGateway) -> str:
    return gateway.issue(GRANT)


Connect = Callable[[str], "Client"]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Open a client on a base URL; every one is closed after the test."""
    opened: list[Client] = []

    def open_client(base_url: str) -> Client:
        opened.append(Client(base_url))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()


def messages_body(*, stream: bool = True, model: str = MODEL) -> dict[str, Any]:
    return {"model": model, "max_tokens": 1024, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}


def expected_stream(reply: Reply, request_index: int, model: str = MODEL) -> bytes:
    """The exact bytes the fake writes for a streamed reply (one SSE event per chunk)."""
    events = sse_events(reply, model, f"msg_fake_{request_index:04d}")
    return b"".join(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode() for event, data, _ in events)


class Client:
    """One kept-alive HTTP/1.1 connection (the standard library's client, not the gateway's code)."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=WAIT)

    def post(
        self, path: str, body: Any, *, token: str | None = None, headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        sent = {"content-type": "application/json", "anthropic-version": "2023-06-01", **(headers or {})}
        if token is not None:
            sent["x-api-key"] = token
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.connection.request("POST", path, body=payload, headers=sent)
        return self.connection.getresponse()

    def close(self) -> None:
        self.connection.close()


def read_events(response: http.client.HTTPResponse, *, until: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """SSE events as they arrive: all of them, or up to and including the first text delta equal to `until`."""
    events: list[tuple[str, dict[str, Any]]] = []
    name, data = "", ""
    for _ in range(10_000):
        line = response.readline().decode()
        if not line:
            return events
        if line.startswith("event: "):
            name = line[7:].strip()
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "\n" and data:
            events.append((name, json.loads(data)))
            if until is not None and events[-1][1].get("delta", {}).get("text") == until:
                return events
            name, data = "", ""
    raise AssertionError("the stream did not end")


def texts(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [data["delta"]["text"] for name, data in events if data.get("delta", {}).get("type") == "text_delta"]


def error_of(response: http.client.HTTPResponse) -> dict[str, Any]:
    body = json.loads(response.read())
    assert body["type"] == "error"
    return dict(body["error"])
