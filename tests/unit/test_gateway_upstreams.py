"""Each job token's requests go to its grant's upstream; how an upstream failed is kept per token for the runner."""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from botocore.credentials import Credentials

from runner.gateway import UPSTREAM_UNREACHABLE, AnthropicUpstream, BedrockUpstream, Grant, ModelGateway
from shared.usage import ModelUsage
from tests.support.fake_anthropic import CREDIT_BALANCE_TOO_LOW, FakeAnthropic, Reply
from tests.support.fake_bedrock import FakeBedrock, throttled
from tests.unit.gateway_kit import (
    BEDROCK_MODEL,
    BEDROCK_REGION,
    REAL_KEY,
    WAIT,
    Connect,
    api,
    bedrock,
    bedrock_upstream,
    connect,
    error_of,
    gateway,
    grant,
    grant_for,
    invoke_body,
    invoke_path,
    messages_body,
    read_events,
    read_frames,
    rows,
    texts,
    upstream,
)

__all__ = ["api", "bedrock", "bedrock_upstream", "connect", "gateway", "grant", "rows", "upstream"]  # fixtures


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- one gateway, several upstreams ---------------------------------------------------------------------------------


def test_two_tokens_with_different_upstreams_are_served_at_once(
    api: FakeAnthropic,
    bedrock: FakeBedrock,
    grant: Grant,
    bedrock_upstream: BedrockUpstream,
    gateway: ModelGateway,
    rows: list[ModelUsage],
    connect: Connect,
) -> None:
    # given: an Anthropic stream held open by the API
    api.script(Reply.stall(["Hel"]))
    bedrock.script(Reply.text(["from ", "Bedrock"]))
    anthropic_token = gateway.issue(grant)
    bedrock_token = gateway.issue(replace(grant, job_id="job-2", upstream=bedrock_upstream))
    held = connect(gateway.base_url).post("/v1/messages", messages_body(), token=anthropic_token)
    read_events(held, until="Hel")

    # when: the Bedrock token's request runs while the Anthropic one is still streaming
    answer = read_frames(connect(gateway.base_url).invoke(invoke_path(), invoke_body(), token=bedrock_token))
    api.release()
    rest = read_events(held)

    # then: each went to its own upstream, and each was metered to its own job and model
    assert [event["delta"]["text"] for _, event in answer if event.get("type") == "content_block_delta"] == [
        "from ",
        "Bedrock",
    ]
    assert rest[-1][0] == "message_stop"
    assert len(api.message_requests) == 1 and api.message_requests[0].headers["x-api-key"] == REAL_KEY
    assert [request.model_id for request in bedrock.message_requests] == [BEDROCK_MODEL]
    assert gateway.flush(timeout=WAIT)
    assert sorted((row.model, row.tokens_in) for row in rows) == [
        ("claude-sonnet-4-5", 12),
        ("claude-sonnet-4-5-20250929", 12),
    ]


def test_a_token_rebound_to_another_upstream_sends_its_next_requests_there(
    api: FakeAnthropic,
    bedrock: FakeBedrock,
    grant: Grant,
    bedrock_upstream: BedrockUpstream,
    gateway: ModelGateway,
    connect: Connect,
) -> None:
    # given: a kept-alive CLI's token, first on the Anthropic API
    token = gateway.issue(grant)
    client = connect(gateway.base_url)
    assert texts(read_events(client.post("/v1/messages", messages_body(), token=token))) == ["OK"]

    # when: the next turn uses Bedrock
    gateway.rebind(token, replace(grant, turn=4, upstream=bedrock_upstream))
    on_bedrock = client.invoke(invoke_path(stream=False), invoke_body(), token=token)
    on_bedrock.read()
    old_route = client.post("/v1/messages", messages_body(), token=token)

    # then
    assert on_bedrock.status == 200
    assert [request.signature_verified for request in bedrock.message_requests] == [True]
    assert old_route.status == 404 and error_of(old_route)["type"] == "not_found_error"
    assert len(api.requests) == 1


# -- what failed upstream, per token --------------------------------------------------------------------------------


def test_upstream_status_keeps_the_last_failure_until_the_token_is_revoked(
    bedrock: FakeBedrock, bedrock_upstream: BedrockUpstream, gateway: ModelGateway, connect: Connect
) -> None:
    # given
    bedrock.script(throttled(), Reply.text("fine"))
    token = gateway.issue(grant_for(bedrock_upstream))
    other = gateway.issue(grant_for(bedrock_upstream))
    client = connect(gateway.base_url)
    assert gateway.upstream_status(token) is None

    # when: a throttled request, then one that succeeds
    first = client.invoke(invoke_path(), invoke_body(), token=token)
    first.read()
    client.invoke(invoke_path(), invoke_body(), token=token).read()

    # then: the throttle is what is kept, for this token only, until its revoke
    assert (first.status, first.getheader("x-amzn-errortype")) == (429, "ThrottlingException")
    assert gateway.upstream_status(token) == 429
    assert gateway.upstream_status(other) is None
    gateway.revoke(token)
    assert gateway.upstream_status(token) is None


@pytest.mark.parametrize(
    ("reply", "status", "message"),
    [
        (None, 401, "invalid x-api-key"),  # a key the API does not accept
        (Reply.low_credit(), 400, CREDIT_BALANCE_TOO_LOW),
        (Reply.http_error(529), 529, "Overloaded"),
    ],
)
def test_the_anthropic_apis_refusals_are_relayed_and_noted(
    reply: Reply | None, status: int, message: str, rows: list[ModelUsage], connect: Connect
) -> None:
    with FakeAnthropic(api_keys={"sk-ant-some-other-key"} if reply is None else None) as api:
        if reply is not None:
            api.script(reply)
        with ModelGateway(recorder=rows.append) as gateway:
            token = gateway.issue(grant_for(AnthropicUpstream(api.url, api_key=REAL_KEY)))
            response = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)
            error = error_of(response)

            assert (response.status, error["message"]) == (status, message)
            assert gateway.upstream_status(token) == status


@pytest.mark.parametrize("provider", ["anthropic", "bedrock"])
def test_an_unreachable_upstream_is_a_502_marked_as_the_gateways_own(provider: str, connect: Connect) -> None:
    # given
    url = f"http://127.0.0.1:{free_port()}"
    upstream = (
        AnthropicUpstream(url, api_key=REAL_KEY)
        if provider == "anthropic"
        else BedrockUpstream(region=BEDROCK_REGION, credentials=Credentials("AKIDX", "s"), endpoint_url=url)
    )
    with ModelGateway(recorder=lambda row: None) as gateway:
        token = gateway.issue(grant_for(upstream))
        client = connect(gateway.base_url)

        # when
        if provider == "anthropic":
            response = client.post("/v1/messages", messages_body(), token=token)
        else:
            response = client.invoke(invoke_path(), invoke_body(), token=token)
        body = json.loads(response.read())

        # then: a client can tell it from an upstream's own 502, and so can the runner
        assert response.status == 502
        assert response.getheader("x-studio-gateway-error") == "upstream-unreachable"
        assert body["type"] == "error" and body["error"]["type"] == "api_error"
        assert "refused" in body["error"]["message"]
        assert gateway.upstream_status(token) == UPSTREAM_UNREACHABLE


def test_an_upstreams_own_502_is_not_marked(
    api: FakeAnthropic, gateway: ModelGateway, grant: Grant, connect: Connect
) -> None:
    api.script(Reply.http_error(502, "Bad gateway"))
    token = gateway.issue(grant)

    response = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)
    response.read()

    assert response.status == 502 and response.getheader("x-studio-gateway-error") is None
    assert gateway.upstream_status(token) == 502


def test_no_aws_credential_found_is_a_marked_502(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gateway: ModelGateway, connect: Connect
) -> None:
    # given: botocore's default chain with nothing to find (and no instance metadata to ask)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    upstream = BedrockUpstream(region=BEDROCK_REGION, endpoint_url=f"http://127.0.0.1:{free_port()}")
    token = gateway.issue(grant_for(upstream))

    # when
    response = connect(gateway.base_url).invoke(invoke_path(), invoke_body(), token=token)
    error = error_of(response)

    # then
    assert response.status == 502
    assert response.getheader("x-studio-gateway-error") == "upstream-unreachable"
    assert "no AWS credentials" in error["message"]
    assert gateway.upstream_status(token) == UPSTREAM_UNREACHABLE


# -- logs -----------------------------------------------------------------------------------------------------------


def test_no_aws_credential_reaches_a_log_line(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], gateway: ModelGateway, connect: Connect
) -> None:
    # given: a task-role credential (with a session token), every logger at DEBUG, botocore's included
    caplog.set_level(logging.DEBUG)
    session_token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalue"
    with FakeBedrock(region=BEDROCK_REGION, session_token=session_token, hang_limit=WAIT) as bedrock:
        credentials = bedrock.credentials
        wrong = Credentials(credentials.access_key, "the-wrong-secret-key-value", session_token)
        client = connect(gateway.base_url)
        for signing in (credentials, wrong):
            upstream = BedrockUpstream(region=BEDROCK_REGION, credentials=signing, endpoint_url=bedrock.url)
            token = gateway.issue(grant_for(upstream))

            # when: a call that succeeds and one that Bedrock refuses
            client.invoke(invoke_path(), invoke_body(), token=token).read()
            assert gateway.flush(timeout=WAIT, token=token)

    # then: the calls were logged, botocore did sign at DEBUG, and nothing logged holds a credential
    assert [request.signature_verified for request in bedrock.message_requests] == [True, False]
    logged = caplog.text + "".join(json.dumps(record.__dict__, default=str) for record in caplog.records)
    logged += "".join(capfd.readouterr())
    assert "model call" in logged and "Calculating signature using v4 auth" in logged
    for secret in (credentials.access_key, credentials.secret_key, "the-wrong-secret-key-value", session_token):
        assert secret not in logged
