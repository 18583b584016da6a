"""The model gateway relays the CLI's model calls: real sockets, the fake Messages API as its upstream."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from runner.gateway import UPSTREAM_UNREACHABLE, AnthropicUpstream, Grant, ModelGateway
from runner.gateway.connections import Pool
from runner.gateway.upstream import Origin, Outgoing
from shared.usage import ModelUsage
from tests.support.claude import CLAUDE, requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.unit.gateway_kit import (
    REAL_KEY,
    WAIT,
    Connect,
    api,
    connect,
    error_of,
    expected_stream,
    gateway,
    grant,
    grant_for,
    messages_body,
    read_events,
    rows,
    texts,
    token,
    upstream,
)

__all__ = ["api", "connect", "gateway", "grant", "rows", "token", "upstream"]  # fixtures


# -- relaying -------------------------------------------------------------------------------------------------------


def test_a_stream_passes_through_byte_for_byte(
    api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect
) -> None:
    reply = Reply.text(["Hel", "lo", " world"])
    api.script(reply)

    response = connect(gateway.base_url).post("/v1/messages?beta=true", messages_body(), token=token)

    assert response.status == 200
    assert response.getheader("content-type") == "text/event-stream; charset=utf-8"
    assert response.getheader("request-id") == "req_fake_0000"
    assert response.read() == expected_stream(reply, request_index=0)
    assert api.message_requests[0].path == "/v1/messages?beta=true"


def test_each_chunk_arrives_while_the_upstream_still_holds_the_stream(
    api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect
) -> None:
    api.script(Reply.stall(["Hel", "lo"]))
    response = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)

    arrived = read_events(response, until="lo")  # a buffering relay would hold these until the stall ends

    assert texts(arrived) == ["Hel", "lo"]
    assert api.wait_until_hanging().finished_at is None
    api.release()
    assert [name for name, _ in read_events(response)] == ["content_block_stop", "message_delta", "message_stop"]


def test_several_requests_share_one_client_connection(
    api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect
) -> None:
    api.script(Reply.text(["one"]), Reply.text(["two"]), Reply.text(["three"]))
    client = connect(gateway.base_url)
    sockets, answers = [], []

    for _ in range(3):
        response = client.post("/v1/messages", messages_body(), token=token)
        answers.append(texts(read_events(response)))
        sockets.append(client.connection.sock)

    assert answers == [["one"], ["two"], ["three"]]
    assert sockets[0] is not None and sockets.count(sockets[0]) == 3


def test_a_whole_answer_is_relayed(api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect) -> None:
    api.script(Reply.text(["Hello ", "there"]))

    response = connect(gateway.base_url).post("/v1/messages", messages_body(stream=False), token=token)

    assert response.status == 200
    message = json.loads(response.read())
    assert message["content"] == [{"type": "text", "text": "Hello there"}]
    assert response.getheader("content-length") is not None


def test_count_tokens_is_forwarded(api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect) -> None:
    response = connect(gateway.base_url).post("/v1/messages/count_tokens?beta=true", messages_body(), token=token)

    assert response.status == 200
    assert json.loads(response.read())["input_tokens"] > 0
    assert api.requests[-1].path == "/v1/messages/count_tokens?beta=true"


def test_upstream_connections_are_kept_and_reused(api: FakeAnthropic) -> None:
    async def two_requests() -> tuple[bool, bool]:
        pool, origin = Pool(), Origin.parse(api.url)
        outgoing = Outgoing(b"/v1/messages/count_tokens", [(b"host", origin.host_header), (b"content-length", b"2")])
        reused = []
        for _ in range(2):
            connection = await pool.connect(origin)
            reused.append(connection.reused)
            assert (await connection.send("POST", outgoing, b"{}")).status_code == 200
            while await connection.read() is not None:
                pass
            pool.give_back(connection)
        pool.close()
        return reused[0], reused[1]

    loop = asyncio.new_event_loop()  # not asyncio.run: it leaves the main thread without an event loop
    try:
        assert loop.run_until_complete(two_requests()) == (False, True)
    finally:
        loop.close()


# -- credentials ----------------------------------------------------------------------------------------------------


def test_the_upstream_gets_the_gateways_key_and_never_the_job_token(
    api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect
) -> None:
    connect(gateway.base_url).post("/v1/messages", messages_body(), token=token).read()
    bearer = connect(gateway.base_url).post(
        "/v1/messages", messages_body(), headers={"authorization": f"Bearer {token}", "x-custom": "kept"}
    )

    assert bearer.status == 200
    bearer.read()
    for request in api.requests:
        assert request.headers["x-api-key"] == REAL_KEY
        assert "authorization" not in request.headers
        assert not any(token in value for value in request.headers.values())
        assert request.headers["accept-encoding"] == "identity"
        assert request.headers["anthropic-version"] == "2023-06-01"
    assert api.requests[-1].headers["x-custom"] == "kept"


def test_a_bearer_credential_goes_upstream_as_authorization(
    api: FakeAnthropic, rows: list[ModelUsage], connect: Connect
) -> None:
    upstream = AnthropicUpstream(api.url, auth_token="oauth-token-of-the-runner")
    with ModelGateway(recorder=rows.append) as gateway:
        response = connect(gateway.base_url).post(
            "/v1/messages", messages_body(), token=gateway.issue(grant_for(upstream))
        )
        response.read()

    assert response.status == 200
    assert api.requests[-1].headers["authorization"] == "Bearer oauth-token-of-the-runner"
    assert "x-api-key" not in api.requests[-1].headers
    assert "oauth-token" not in repr(upstream)


@pytest.mark.parametrize("case", ["missing", "unknown", "revoked", "expired"])
def test_a_request_without_a_valid_token_is_refused_for_good(
    api: FakeAnthropic, gateway: ModelGateway, grant: Grant, case: str, connect: Connect
) -> None:
    presented = {
        "missing": None,
        "unknown": "sk-studio-gw-not-one-we-issued",
        "revoked": gateway.issue(grant),
        "expired": gateway.issue(replace(grant, expires_at=time.time() - 1)),
    }[case]
    if case == "revoked":
        gateway.revoke(str(presented))

    response = connect(gateway.base_url).post("/v1/messages", messages_body(), token=presented)

    assert response.status == 401
    assert response.getheader("x-should-retry") == "false"
    assert error_of(response)["type"] == "authentication_error"
    assert api.requests == []


def test_revoking_a_token_cuts_its_stream(
    api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect
) -> None:
    api.script(Reply.stall(["Hel"]))
    client = connect(gateway.base_url)
    response = client.post("/v1/messages", messages_body(), token=token)
    read_events(response, until="Hel")

    gateway.revoke(token)

    assert "message_stop" not in [name for name, _ in read_events_or_cut(response)]
    held = api.wait_until_hanging()
    api.wait_for(lambda: held.client_gone, timeout=WAIT, what="the upstream request to close")
    assert connect(gateway.base_url).post("/v1/messages", messages_body(), token=token).status == 401


def read_events_or_cut(response: http.client.HTTPResponse) -> list[tuple[str, dict[str, Any]]]:
    try:
        return read_events(response)
    except (http.client.HTTPException, OSError):  # the connection dropped in the middle of a chunk
        return []


# -- errors ---------------------------------------------------------------------------------------------------------


def test_an_unknown_path_is_a_404(api: FakeAnthropic, gateway: ModelGateway, token: str, connect: Connect) -> None:
    client = connect(gateway.base_url)
    response = client.post("/v1/complete", {"prompt": "hi"}, token=token)

    assert response.status == 404
    assert error_of(response)["type"] == "not_found_error"
    client.connection.request("GET", "/v1/messages", headers={"x-api-key": token})
    assert client.connection.getresponse().status == 404
    assert api.requests == []


def test_an_unreachable_upstream_is_a_502_that_says_what_failed(rows: list[ModelUsage], connect: Connect) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    upstream = AnthropicUpstream(f"http://127.0.0.1:{port}", api_key=REAL_KEY)
    with ModelGateway(recorder=rows.append) as gateway:
        token = gateway.issue(grant_for(upstream))
        response = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)
        error = error_of(response)
        status = gateway.upstream_status(token)

    assert response.status == 502
    assert response.getheader("x-studio-gateway-error") == "upstream-unreachable"
    assert status == UPSTREAM_UNREACHABLE
    assert error["type"] == "api_error"
    assert f"127.0.0.1:{port}" in error["message"]
    assert "refused" in error["message"]
    assert "Traceback" not in error["message"]


@pytest.mark.parametrize(
    "head",
    [
        b"content-length: 10000000\r\n",  # refused on its declared length
        b"transfer-encoding: chunked\r\n",  # refused once the chunks pass the limit
    ],
)
def test_a_body_over_the_limit_is_a_413(api: FakeAnthropic, grant: Grant, rows: list[ModelUsage], head: bytes) -> None:
    with ModelGateway(recorder=rows.append, max_body_bytes=1024) as gateway:
        port = int(gateway.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as raw:
            raw.sendall(b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: " + gateway.issue(grant).encode())
            raw.sendall(
                b"\r\n" + head + b"\r\n" + (b"800\r\n" + b"x" * 2048 + b"\r\n" if b"chunked" in head else b"x" * 2048)
            )
            answer = raw.makefile("rb").readline()  # the rest of the body is never sent

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert api.requests == []


def test_malformed_http_is_a_400(gateway: ModelGateway) -> None:
    port = int(gateway.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as raw:
        raw.sendall(b"NOT AN HTTP REQUEST\r\n\r\n")
        answer = raw.makefile("rb").read()

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"invalid_request_error" in answer


def test_a_client_that_goes_away_mid_stream_closes_the_upstream_request(
    api: FakeAnthropic, gateway: ModelGateway, token: str, rows: list[ModelUsage], connect: Connect
) -> None:
    api.script(Reply.stall(["Hel"]))
    client = connect(gateway.base_url)
    read_events(client.post("/v1/messages", messages_body(), token=token), until="Hel")

    client.close()

    held = api.wait_until_hanging()
    api.wait_for(lambda: held.client_gone, timeout=WAIT, what="the upstream request to close")
    assert gateway.flush(timeout=WAIT, token=token)
    assert [row.tokens_in for row in rows] == [12]  # what message_start reported before the client left


# -- the real CLI ---------------------------------------------------------------------------------------------------


@requires_claude
def test_the_pinned_cli_streams_through_the_gateway(
    api: FakeAnthropic, gateway: ModelGateway, token: str, rows: list[ModelUsage], tmp_path: Path
) -> None:
    api.script(Reply.text(["Hel", "lo ", "gateway"]))
    env = api.cli_env(
        tmp_path / "home", ANTHROPIC_BASE_URL=gateway.base_url, ANTHROPIC_API_KEY=token, CLAUDE_CODE_MAX_RETRIES="0"
    )
    work = tmp_path / "work"
    work.mkdir()
    command = [str(CLAUDE), "-p", "hi", "--output-format", "stream-json", "--verbose", "--include-partial-messages"]

    done = subprocess.run(
        command, cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False
    )

    lines = [json.loads(line) for line in done.stdout.splitlines()]
    deltas = [
        line["event"]["delta"]["text"]
        for line in lines
        if line.get("type") == "stream_event" and line["event"].get("delta", {}).get("type") == "text_delta"
    ]
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert deltas == ["Hel", "lo ", "gateway"]
    assert lines[-1]["result"] == "Hello gateway"
    assert all(request.headers["x-api-key"] == REAL_KEY for request in api.message_requests)
    assert gateway.flush(timeout=WAIT, token=token)
    assert len(rows) == len(api.message_requests)
    assert rows[-1].session_id == "s1" and rows[-1].tokens_in == 12 and rows[-1].cache_read_tokens == 12_000
