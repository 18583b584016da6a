"""Test kit for the model gateway: the fake Messages API and fake Bedrock behind it, a grant, and a plain HTTP/1.1
client."""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.eventstream import EventStreamBuffer

from runner.gateway import AnthropicUpstream, BedrockUpstream, Grant, ModelGateway, Upstream
from shared.usage import ModelUsage
from tests.support.fake_anthropic import FakeAnthropic, Reply, sse_events
from tests.support.fake_bedrock import FakeBedrock

REAL_KEY = "sk-ant-api03-the-real-key-held-by-the-runner"
WAIT = 10.0  # the bound on any one wait; a healthy exchange takes milliseconds
MODEL = "claude-sonnet-4-5"
BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"  # as the CLI names it (ANTHROPIC_MODEL)
BEDROCK_REGION = "eu-central-1"


def grant_for(upstream: Upstream, **changes: Any) -> Grant:
    """The tests' grant (user u1, project p1, session s1, turn 3, valid for an hour), going to `upstream`."""
    fields: dict[str, Any] = {
        "user_id": "u1",
        "job_id": "job-1",
        "kind": "chat",
        "project_id": "p1",
        "session_id": "s1",
        "turn": 3,
        "expires_at": time.time() + 3600,
    }
    return Grant(upstream=upstream, **(fields | changes))


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(hang_limit=WAIT) as fake:
        yield fake


@pytest.fixture
def bedrock() -> Iterator[FakeBedrock]:
    with FakeBedrock(region=BEDROCK_REGION, hang_limit=WAIT) as fake:
        yield fake


@pytest.fixture
def bedrock_upstream(bedrock: FakeBedrock) -> BedrockUpstream:
    return BedrockUpstream(region=BEDROCK_REGION, credentials=bedrock.credentials, endpoint_url=bedrock.url)


@pytest.fixture
def rows() -> list[ModelUsage]:
    return []


@pytest.fixture
def upstream(api: FakeAnthropic) -> AnthropicUpstream:
    return AnthropicUpstream(api.url, api_key=REAL_KEY)


@pytest.fixture
def grant(upstream: AnthropicUpstream) -> Grant:
    return grant_for(upstream)


@pytest.fixture
def gateway(rows: list[ModelUsage]) -> Iterator[ModelGateway]:
    with ModelGateway(recorder=rows.append) as started:
        yield started


@pytest.fixture
def token(gateway: ModelGateway, grant: Grant) -> str:
    return gateway.issue(grant)


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


def invoke_path(model_id: str = BEDROCK_MODEL, *, stream: bool = True) -> str:
    """The path the CLI calls for `model_id` (it sends the id's `:` as it is)."""
    return f"/model/{model_id}/invoke-with-response-stream" if stream else f"/model/{model_id}/invoke"


def invoke_body() -> dict[str, Any]:
    """A Messages API request as the CLI sends it to Bedrock: the model is in the path, the version in the body."""
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "hi"}],
    }


def read_frames(response: http.client.HTTPResponse) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """An event-stream answer, decoded: each frame's headers, and the stream event a chunk carries (or its payload)."""
    frames = EventStreamBuffer()
    frames.add_data(response.read())
    decoded = []
    for message in frames:
        payload = json.loads(message.payload)
        if message.headers.get(":event-type") == "chunk":
            payload = json.loads(base64.b64decode(payload["bytes"]))
        decoded.append((dict(message.headers), payload))
    return decoded


def expected_stream(reply: Reply, request_index: int, model: str = MODEL) -> bytes:
    """The exact bytes the fake writes for a streamed reply (one SSE event per chunk)."""
    events = sse_events(reply, model, f"msg_fake_{request_index:04d}")
    return b"".join(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode() for event, data, _ in events)


class Client:
    """One kept-alive HTTP/1.1 connection (the standard library's client, not the gateway's code)."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=WAIT)

    def invoke(
        self, path: str, body: Any, *, token: str, headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        """A Bedrock request as the CLI sends it: the job token as a bearer (AWS_BEARER_TOKEN_BEDROCK)."""
        sent = {"content-type": "application/json", "accept": "application/json", "authorization": f"Bearer {token}"}
        self.connection.request("POST", path, body=json.dumps(body).encode(), headers=sent | (headers or {}))
        return self.connection.getresponse()

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
