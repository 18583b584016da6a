"""Bedrock behind the model gateway: routes, SigV4 signing checked by the fake the way AWS checks it, credentials,
and metering of event-stream answers."""

from __future__ import annotations

import asyncio
import datetime
import json
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.credentials import Credentials, RefreshableCredentials

from runner.gateway import BedrockUpstream, ModelGateway
from runner.gateway.meter import EventStreamMeter, Tokens
from runner.gateway.upstream import Request
from shared.usage import ModelUsage, cost_usd
from tests.support.fake_anthropic import Reply, Usage, sse_events
from tests.support.fake_bedrock import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    FakeBedrock,
    chunk_frame,
    exception_frame,
    verify_sigv4,
)
from tests.unit.gateway_kit import (
    BEDROCK_MODEL,
    BEDROCK_REGION,
    WAIT,
    Connect,
    bedrock,
    bedrock_upstream,
    connect,
    gateway,
    grant_for,
    invoke_body,
    invoke_path,
    read_frames,
    rows,
)

__all__ = ["bedrock", "bedrock_upstream", "connect", "gateway", "rows"]  # fixtures
SPENT = Usage(input_tokens=321, output_tokens=45, cache_creation_input_tokens=600, cache_read_input_tokens=9_000)
JOB_TOKEN = "sk-studio-gw-the-job-token"
BODY = json.dumps(invoke_body()).encode()


def client_request(target: str, *, body: bytes = BODY) -> Request:
    """What the CLI sends the gateway for Bedrock, as the gateway reads it."""
    headers = [
        (b"host", b"127.0.0.1:9"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {JOB_TOKEN}".encode()),
        (b"x-amz-date", b"20200101T000000Z"),  # a client's own AWS headers are never forwarded
        (b"x-amz-security-token", b"from-the-client"),
        (b"anthropic-version", b"2023-06-01"),
    ]
    return Request("POST", target.encode(), headers, body)


def verified(target: str, headers: list[tuple[bytes, bytes]], body: bytes = BODY, *, region: str = BEDROCK_REGION):
    sent = [(name.decode(), value.decode()) for name, value in headers]
    return verify_sigv4("POST", target, sent, body, keys={ACCESS_KEY_ID: (SECRET_ACCESS_KEY, None)}, region=region)


def static_upstream(**kw: object) -> BedrockUpstream:
    credentials = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    return BedrockUpstream(region=BEDROCK_REGION, credentials=credentials, **kw)  # type: ignore[arg-type]


# -- routes, endpoint, signing (pure) -------------------------------------------------------------------------------


@pytest.mark.unit
def test_the_invoke_routes_are_served_with_their_model_and_nothing_else_is() -> None:
    upstream = static_upstream()

    stream = upstream.route("POST", "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream")
    whole = upstream.route("POST", f"/model/{BEDROCK_MODEL}/invoke")

    assert stream is not None and (stream.name, stream.metered, stream.model) == ("invoke-stream", True, BEDROCK_MODEL)
    assert whole is not None and (whole.name, whole.model) == ("invoke", BEDROCK_MODEL)
    for method, path in [
        ("GET", f"/model/{BEDROCK_MODEL}/invoke"),
        ("POST", "/v1/messages"),
        ("POST", f"/model/{BEDROCK_MODEL}/converse"),
        ("GET", "/inference-profiles"),  # the CLI asks for these at start (Bedrock's control plane, not served)
    ]:
        assert upstream.route(method, path) is None


@pytest.mark.unit
def test_the_endpoint_is_the_argument_else_the_aws_variable_else_the_regions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", raising=False)
    assert str(static_upstream().origin) == f"https://bedrock-runtime.{BEDROCK_REGION}.amazonaws.com"

    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://vpce-1.bedrock-runtime.example.test")
    assert str(static_upstream().origin) == "https://vpce-1.bedrock-runtime.example.test"
    assert str(static_upstream(endpoint_url="http://127.0.0.1:4566").origin) == "http://127.0.0.1:4566"


@pytest.mark.unit
@pytest.mark.parametrize("model_in_path", [BEDROCK_MODEL, "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0"])
def test_the_signature_covers_the_request_exactly_as_it_goes_out(model_in_path: str) -> None:
    # given: an endpoint behind a base path on a non-default port; the CLI sends the id's `:` raw, boto3 as %3A
    upstream = static_upstream(endpoint_url="https://bedrock.example.test:8443/proxy/")
    target = f"/model/{model_in_path}/invoke-with-response-stream"

    # when
    outgoing = upstream.sign(client_request(target))

    # then: AWS's check, recomputed from what is sent, passes; and fails for any other path, host or body
    sent_target = outgoing.target.decode()
    headers = dict(outgoing.headers)
    assert sent_target == f"/proxy{target}"
    assert headers[b"host"] == b"bedrock.example.test:8443"
    assert verified(sent_target, outgoing.headers).ok
    other_encoding = sent_target.replace(":", "%3A") if ":" in sent_target else sent_target.replace("%3A", ":")
    assert not verified(other_encoding, outgoing.headers).ok
    assert not verified(target, outgoing.headers).ok  # without the base path
    assert not verified(sent_target, outgoing.headers, BODY + b" ").ok
    assert not verified(sent_target, outgoing.headers, region="us-east-1").ok
    other_host = [(n, b"bedrock.example.test" if n == b"host" else v) for n, v in outgoing.headers]
    assert not verified(sent_target, other_host).ok
    # and neither the job token nor the client's own AWS headers go upstream
    assert JOB_TOKEN.encode() not in b"".join(value for _, value in outgoing.headers)
    assert headers[b"authorization"].startswith(b"AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY_ID.encode())
    assert [v for n, v in outgoing.headers if n.startswith(b"x-amz-")] == [headers[b"x-amz-date"]]
    assert headers[b"anthropic-version"] == b"2023-06-01"


@pytest.mark.unit
def test_without_a_credential_the_default_chain_is_read_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: an upstream made before the chain has anything to give
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    upstream = BedrockUpstream(region=BEDROCK_REGION, endpoint_url="https://bedrock.example.test")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)

    # when
    outgoing = upstream.sign(client_request(invoke_path()))

    # then
    assert verified(outgoing.target.decode(), outgoing.headers).ok


@pytest.mark.unit
def test_an_expiring_credential_is_refreshed_when_a_request_is_signed() -> None:
    # given: a role credential ten seconds from its expiry (botocore refreshes within ten minutes of it)
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=10)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    refreshed = []

    def refresh() -> dict[str, str]:
        refreshed.append(True)
        return {
            "access_key": "AKIAROTATEDKEY000002",
            "secret_key": "rotated",
            "token": "t2",
            "expiry_time": later.isoformat(),
        }

    old = {"access_key": ACCESS_KEY_ID, "secret_key": SECRET_ACCESS_KEY, "token": "t1", "expiry_time": soon.isoformat()}
    credentials = RefreshableCredentials.create_from_metadata(old, refresh, "container-role")
    upstream = BedrockUpstream(region=BEDROCK_REGION, credentials=credentials, endpoint_url="https://b.example.test")

    # when
    headers = dict(upstream.sign(client_request(invoke_path())).headers)

    # then
    assert refreshed == [True]
    assert b"Credential=AKIAROTATEDKEY000002/" in headers[b"authorization"]
    assert headers[b"x-amz-security-token"] == b"t2"


@pytest.mark.unit
def test_the_upstream_shows_no_credential() -> None:
    session_token = "the-session-token-of-the-task-role"
    credentials = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, session_token)
    upstream = BedrockUpstream(region=BEDROCK_REGION, credentials=credentials)

    shown = repr(upstream) + repr(grant_for(upstream))

    assert "bedrock-runtime.eu-central-1.amazonaws.com" in shown
    assert ACCESS_KEY_ID not in shown and SECRET_ACCESS_KEY not in shown and session_token not in shown


# -- the event-stream meter (pure) ----------------------------------------------------------------------------------


def bedrock_stream(reply: Reply, model: str | None = "claude-sonnet-4-5-20250929") -> bytes:
    events = [data for _, data, _ in sse_events(reply, model or "", "msg_1")]
    if model is None:
        del events[0]["message"]["model"]
    return b"".join(chunk_frame(event) for event in events)


@pytest.mark.unit
def test_the_event_stream_meter_reads_the_same_counts_however_the_stream_is_cut() -> None:
    stream = bedrock_stream(Reply.text(["a", "b", "c"], usage=SPENT)) + exception_frame("throttlingException", "slow")
    whole, byte_by_byte = EventStreamMeter(model=BEDROCK_MODEL), EventStreamMeter(model=BEDROCK_MODEL)

    whole.feed(stream)
    for index in range(len(stream)):
        byte_by_byte.feed(stream[index : index + 1])

    expected = Tokens(model="claude-sonnet-4-5-20250929", input=321, output=45, cache_read=9_000, cache_write=600)
    assert whole.result() == expected
    assert byte_by_byte.result() == expected


@pytest.mark.unit
def test_the_event_stream_meter_names_the_paths_model_when_the_answer_names_none() -> None:
    meter = EventStreamMeter(model=BEDROCK_MODEL)

    meter.feed(bedrock_stream(Reply.text("hi", usage=SPENT), model=None))

    assert meter.result() == Tokens(model=BEDROCK_MODEL, input=321, output=45, cache_read=9_000, cache_write=600)


def framed(headers: bytes, payload: bytes) -> bytes:
    """An event-stream frame with any header bytes, and correct lengths and CRCs."""
    prelude = struct.pack(">II", 16 + len(headers) + len(payload), len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


@pytest.mark.unit
@pytest.mark.parametrize(
    "damage",
    [
        lambda frame: frame[:20] + bytes([frame[20] ^ 1]) + frame[21:],  # one bit off: its CRC no longer matches
        lambda frame: framed(b"\x05:oops\x63", b"{}"),  # a header type that does not exist
        lambda frame: framed(b"\x05:oops\x07\x00\x02\xff\xfe", b"{}"),  # a string header that is not UTF-8
    ],
    ids=["crc", "header-type", "header-utf8"],
)
def test_a_frame_that_does_not_decode_ends_the_metering_and_keeps_what_was_counted(
    damage: Callable[[bytes], bytes],
) -> None:
    start, *rest = [chunk_frame(data) for _, data, _ in sse_events(Reply.text("hi", usage=SPENT), "m", "msg_1")]
    meter = EventStreamMeter()

    meter.feed(start + b"".join(rest[:-2]) + damage(rest[-2]) + rest[-1])  # in place of the message_delta

    assert meter.result() == Tokens(model="m", input=321, output=1, cache_read=9_000, cache_write=600)


# -- through the gateway, to the fake Bedrock -----------------------------------------------------------------------


def test_a_stream_is_signed_relayed_and_metered(
    bedrock: FakeBedrock,
    bedrock_upstream: BedrockUpstream,
    gateway: ModelGateway,
    rows: list[ModelUsage],
    connect: Connect,
) -> None:
    # given
    bedrock.script(Reply.text(["Hel", "lo"], usage=SPENT))
    token = gateway.issue(grant_for(bedrock_upstream))

    # when
    response = connect(gateway.base_url).invoke(
        invoke_path(), invoke_body(), token=token, headers={"x-amz-security-token": "the-clients-own"}
    )

    # then: the client gets the frames, decoded to the scripted text
    assert response.status == 200
    assert response.getheader("content-type") == "application/vnd.amazon.eventstream"
    frames = read_frames(response)
    texts = [event["delta"]["text"] for _, event in frames if event.get("type") == "content_block_delta"]
    assert texts == ["Hel", "lo"]
    assert {headers[":event-type"] for headers, _ in frames} == {"chunk"}
    # and Bedrock got a request it verified, signed with the gateway's key, without the job token
    (request,) = bedrock.message_requests
    assert (request.signature_verified, request.access_key_id) == (True, ACCESS_KEY_ID)
    assert (request.model_id, request.streamed, request.path) == (BEDROCK_MODEL, True, invoke_path())
    assert request.body == invoke_body()
    assert not any(token in value for value in request.headers.values())
    assert "x-amz-security-token" not in request.headers
    # and one usage row, priced for the model the answer named
    assert gateway.flush(timeout=WAIT, token=token)
    [row] = rows
    assert (row.tokens_in, row.tokens_out, row.cache_read_tokens, row.cache_write_tokens) == (321, 45, 9_000, 600)
    assert row.model == "claude-sonnet-4-5-20250929"
    assert row.cost_usd == cost_usd(
        row.model, tokens_in=321, tokens_out=45, cache_read_tokens=9_000, cache_write_tokens=600
    )
    assert (row.user_id, row.session_id, row.turn) == ("u1", "s1", 3)


def test_a_whole_answer_is_metered_and_an_encoded_model_id_verifies(
    bedrock: FakeBedrock,
    bedrock_upstream: BedrockUpstream,
    gateway: ModelGateway,
    rows: list[ModelUsage],
    connect: Connect,
) -> None:
    bedrock.script(Reply.text("Hi there", usage=SPENT))
    token = gateway.issue(grant_for(bedrock_upstream))
    encoded = invoke_path(BEDROCK_MODEL.replace(":", "%3A"), stream=False)  # as boto3 sends it

    response = connect(gateway.base_url).invoke(encoded, invoke_body(), token=token)

    assert response.status == 200
    assert json.loads(response.read())["content"] == [{"type": "text", "text": "Hi there"}]
    (request,) = bedrock.message_requests
    assert request.signature_verified and request.path == encoded and request.model_id == BEDROCK_MODEL
    assert gateway.flush(timeout=WAIT, token=token)
    assert [(row.model, row.tokens_in, row.tokens_out) for row in rows] == [("claude-sonnet-4-5-20250929", 321, 45)]


def test_bedrocks_refusals_pass_through_in_its_own_shape(
    bedrock: FakeBedrock, gateway: ModelGateway, rows: list[ModelUsage], connect: Connect
) -> None:
    # given: a gateway that signs with the wrong secret, and one that signs right
    wrong = Credentials(ACCESS_KEY_ID, "not-the-secret")
    misconfigured = BedrockUpstream(region=BEDROCK_REGION, credentials=wrong, endpoint_url=bedrock.url)
    right = BedrockUpstream(region=BEDROCK_REGION, credentials=bedrock.credentials, endpoint_url=bedrock.url)
    client = connect(gateway.base_url)

    # when
    refused = client.invoke(invoke_path(), invoke_body(), token=gateway.issue(grant_for(misconfigured)))
    refused_body = json.loads(refused.read())
    unknown_model = invoke_path("us.anthropic.claude-x-9")
    unknown = client.invoke(unknown_model, invoke_body(), token=gateway.issue(grant_for(right)))
    unknown_body = json.loads(unknown.read())

    # then
    assert (refused.status, refused.getheader("x-amzn-errortype")) == (403, "InvalidSignatureException")
    assert "signature we calculated does not match" in refused_body["message"]
    assert (unknown.status, unknown.getheader("x-amzn-errortype")) == (400, "ValidationException")
    assert unknown_body == {"message": "The provided model identifier is invalid."}
    assert [request.signature_verified for request in bedrock.requests] == [False, True]
    assert gateway.flush(timeout=WAIT) and rows == []


@pytest.mark.unit
def test_signing_runs_off_the_gateways_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: signing may fetch a credential and hashes the whole body, so it must not hold up other streams
    upstream = static_upstream()
    signed_on: list[int] = []
    sign = upstream.sign
    monkeypatch.setattr(upstream, "sign", lambda request: signed_on.append(threading.get_ident()) or sign(request))

    async def prepare() -> tuple[int, bytes]:
        return threading.get_ident(), (await upstream.prepare(client_request(invoke_path()))).target

    # when
    loop = asyncio.new_event_loop()
    try:
        loop_thread, target = loop.run_until_complete(prepare())
    finally:
        loop.close()

    # then
    assert target == invoke_path().encode()
    assert len(signed_on) == 1 and signed_on[0] != loop_thread


def test_a_credential_in_a_file_is_found_by_the_default_chain(
    bedrock: FakeBedrock, gateway: ModelGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connect: Connect
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(
        f"[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials_file))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    upstream = BedrockUpstream(region=BEDROCK_REGION, endpoint_url=bedrock.url)

    response = connect(gateway.base_url).invoke(invoke_path(), invoke_body(), token=gateway.issue(grant_for(upstream)))
    response.read()

    assert response.status == 200
    assert bedrock.message_requests[0].signature_verified


# -- the fake itself answers as Bedrock does ------------------------------------------------------------------------


def test_the_fake_refuses_a_missing_or_foreign_signature_like_aws(bedrock: FakeBedrock, connect: Connect) -> None:
    # given: a request without a signature, and one signed with a key the fake does not know
    client = connect(bedrock.url)
    unsigned = client.invoke(invoke_path(), invoke_body(), token="a-bedrock-api-key-the-fake-does-not-know")
    unsigned_body = json.loads(unsigned.read())
    foreign = BedrockUpstream(
        region=BEDROCK_REGION, credentials=Credentials("AKIAOTHER", "x"), endpoint_url=bedrock.url
    )
    outgoing = foreign.sign(client_request(invoke_path()))
    client.connection.request("POST", outgoing.target.decode(), body=BODY, headers=dict_of(outgoing.headers))
    refused = client.connection.getresponse()
    refused_body = json.loads(refused.read())

    # then
    for response, body in ((unsigned, unsigned_body), (refused, refused_body)):
        assert (response.status, response.getheader("x-amzn-errortype")) == (403, "UnrecognizedClientException")
        assert body == {"message": "The security token included in the request is invalid."}
    assert [(r.signature_verified, r.access_key_id) for r in bedrock.requests] == [(False, None), (False, "AKIAOTHER")]


@pytest.mark.unit
def test_a_signature_older_than_five_minutes_is_refused() -> None:
    outgoing = static_upstream().sign(client_request(invoke_path()))
    sent = [(name.decode(), value.decode()) for name, value in outgoing.headers]
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=6)

    verdict = verify_sigv4(
        "POST",
        invoke_path(),
        sent,
        BODY,
        keys={ACCESS_KEY_ID: (SECRET_ACCESS_KEY, None)},
        region=BEDROCK_REGION,
        now=later,
    )

    assert verdict.error is not None and verdict.error[0] == "InvalidSignatureException"
    assert verdict.error[1].startswith("Signature expired")


def test_a_mid_stream_error_is_an_exception_frame(
    bedrock: FakeBedrock, bedrock_upstream: BedrockUpstream, gateway: ModelGateway, connect: Connect
) -> None:
    bedrock.script(Reply.stream_error(["Partial"], error_type="overloaded_error"))
    token = gateway.issue(grant_for(bedrock_upstream))

    frames = read_frames(connect(gateway.base_url).invoke(invoke_path(), invoke_body(), token=token))

    headers, payload = frames[-1]
    assert (headers[":message-type"], headers[":exception-type"]) == ("exception", "serviceUnavailableException")
    assert payload == {"message": "Overloaded"}


def dict_of(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in headers if name not in (b"host", b"content-length")}
