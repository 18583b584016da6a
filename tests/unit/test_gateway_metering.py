"""The model gateway meters every answer: token counts from the stream, prices, and the usage rows it writes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from runner.gateway import Grant, ModelGateway
from runner.gateway.meter import JsonMeter, SseMeter, Tokens
from shared.models.accounts import RateLimit
from shared.models.usage import UsageEvent
from shared.settings import Settings
from shared.usage import ModelUsage, cost_usd, price_for, record
from tests.support.aws import moto_aws
from tests.support.fake_anthropic import FakeAnthropic, Reply, Usage
from tests.unit.gateway_kit import (
    WAIT,
    Connect,
    api,
    connect,
    expected_stream,
    gateway,
    grant,
    messages_body,
    read_events,
    rows,
    token,
    upstream,
)

__all__ = ["api", "connect", "gateway", "grant", "rows", "token", "upstream"]  # fixtures
SPENT = Usage(input_tokens=321, output_tokens=45, cache_creation_input_tokens=600, cache_read_input_tokens=9_000)


@pytest.fixture
def cloud() -> Iterator[Settings]:
    with moto_aws([UsageEvent, RateLimit]) as settings:  # RateLimit: the day's token counts
        yield settings


# -- reading usage from an answer -----------------------------------------------------------------------------------


@pytest.mark.unit
def test_the_sse_meter_reads_the_same_counts_however_the_stream_is_cut() -> None:
    stream = expected_stream(Reply.text(["a", "b", "c"], usage=SPENT), request_index=0, model="claude-opus-4-1")
    whole, byte_by_byte = SseMeter(), SseMeter()

    whole.feed(stream)
    for index in range(len(stream)):
        byte_by_byte.feed(stream[index : index + 1])

    expected = Tokens(model="claude-opus-4-1", input=321, output=45, cache_read=9_000, cache_write=600)
    assert whole.result() == expected
    assert byte_by_byte.result() == expected


@pytest.mark.unit
def test_message_delta_counts_replace_the_ones_message_start_gave() -> None:
    start = {"type": "message_start", "message": {"model": "m", "usage": {"input_tokens": 5, "output_tokens": 1}}}
    delta = {"type": "message_delta", "usage": {"output_tokens": 30, "input_tokens": 7}}
    meter = SseMeter()

    meter.feed(f"event: message_start\r\ndata: {json.dumps(start)}\r\n\r\n".encode())
    meter.feed(f"event: ping\ndata: {{}}\n\nevent: message_delta\ndata: {json.dumps(delta)}\n\n".encode())

    assert meter.result() == Tokens(model="m", input=7, output=30)


@pytest.mark.unit
def test_an_answer_without_usage_has_no_counts() -> None:
    sse, body = SseMeter(), JsonMeter()

    sse.feed(b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n')
    body.feed(b'{"type":"error"}')

    assert sse.result() is None
    assert body.result() is None


# -- prices ---------------------------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("model", "input_price", "output_price"),
    [
        ("claude-opus-4-1-20250805", 15.0, 75.0),
        ("claude-opus-4-5-20251101", 5.0, 25.0),
        ("claude-opus-5-5", 5.0, 25.0),  # newer than the table: the newest Opus price
        ("claude-sonnet-4-5", 3.0, 15.0),
        ("claude-3-5-sonnet-20241022", 3.0, 15.0),
        ("us.anthropic.claude-3-5-haiku-20241022-v1:0", 0.8, 4.0),
        ("claude-haiku-4-5", 1.0, 5.0),
        ("claude-3-haiku-20240307", 0.25, 1.25),
        ("some-other-model", 5.0, 25.0),
    ],
)
def test_models_are_priced_by_family_and_generation(model: str, input_price: float, output_price: float) -> None:
    price = price_for(model)

    assert (price.input, price.output) == (input_price, output_price)


@pytest.mark.unit
def test_cache_writes_cost_a_quarter_more_than_input_and_reads_a_tenth() -> None:
    million = 1_000_000
    counts = {"tokens_in": 0, "tokens_out": 0, "cache_read_tokens": 0, "cache_write_tokens": 0}

    assert cost_usd("claude-sonnet-4-5", **counts | {"cache_write_tokens": million}) == pytest.approx(3.75)
    assert cost_usd("claude-sonnet-4-5", **counts | {"cache_read_tokens": million}) == pytest.approx(0.3)


# -- usage rows -----------------------------------------------------------------------------------------------------


def test_a_streamed_answer_gives_one_row_with_the_streams_usage_and_the_grant(
    api: FakeAnthropic, gateway: ModelGateway, token: str, rows: list[ModelUsage], connect: Connect
) -> None:
    api.script(Reply.text(["Hel", "lo"], usage=SPENT))

    read_events(connect(gateway.base_url).post("/v1/messages", messages_body(), token=token))

    assert gateway.flush(timeout=WAIT, token=token)
    [row] = rows
    assert (row.tokens_in, row.tokens_out, row.cache_read_tokens, row.cache_write_tokens) == (321, 45, 9_000, 600)
    assert (row.user_id, row.project_id, row.session_id, row.turn, row.kind) == ("u1", "p1", "s1", 3, "chat")
    assert row.model == "claude-sonnet-4-5"
    assert row.cost_usd == cost_usd(
        "claude-sonnet-4-5", tokens_in=321, tokens_out=45, cache_read_tokens=9_000, cache_write_tokens=600
    )
    assert row.duration_ms >= 0


def test_a_whole_answer_is_metered_and_count_tokens_is_not(
    api: FakeAnthropic, gateway: ModelGateway, token: str, rows: list[ModelUsage], connect: Connect
) -> None:
    api.script(Reply.text("Hi", usage=SPENT))
    client = connect(gateway.base_url)

    client.post("/v1/messages", messages_body(stream=False), token=token).read()
    client.post("/v1/messages/count_tokens", messages_body(), token=token).read()

    assert gateway.flush(timeout=WAIT, token=token)
    assert [(row.tokens_in, row.tokens_out) for row in rows] == [(321, 45)]


def test_a_rebound_token_meters_the_next_calls_to_the_new_grant(
    api: FakeAnthropic, gateway: ModelGateway, grant: Grant, token: str, rows: list[ModelUsage], connect: Connect
) -> None:
    client = connect(gateway.base_url)
    read_events(client.post("/v1/messages", messages_body(), token=token))

    gateway.rebind(token, replace(grant, turn=4))
    read_events(client.post("/v1/messages", messages_body(), token=token))

    assert gateway.flush(timeout=WAIT, token=token)
    assert [row.turn for row in rows] == [3, 4]


def test_flush_waits_for_the_rows_to_be_written(api: FakeAnthropic, grant: Grant, connect: Connect) -> None:
    gate, written = threading.Event(), []

    def slow_recorder(row: ModelUsage) -> None:
        gate.wait(WAIT)  # a DynamoDB write that takes its time
        written.append(row)

    with ModelGateway(recorder=slow_recorder) as gateway:
        token = gateway.issue(grant)
        read_events(connect(gateway.base_url).post("/v1/messages", messages_body(), token=token))

        pending = gateway.flush(timeout=0.05, token=token)
        gate.set()
        flushed = gateway.flush(timeout=WAIT, token=token)

    assert (pending, flushed) == (False, True)
    assert len(written) == 1


def test_a_recorder_that_fails_does_not_hold_up_flush_or_the_relay(
    api: FakeAnthropic, grant: Grant, connect: Connect
) -> None:
    def broken(row: ModelUsage) -> None:
        raise RuntimeError("DynamoDB is down")

    with ModelGateway(recorder=broken) as gateway:
        token = gateway.issue(grant)
        client = connect(gateway.base_url)
        answers = [read_events(client.post("/v1/messages", messages_body(), token=token)) for _ in range(2)]

        assert gateway.flush(timeout=WAIT)
    assert all(answer[-1][0] == "message_stop" for answer in answers)


def test_the_dynamodb_recorder_writes_a_usage_event(
    cloud: Settings, api: FakeAnthropic, grant: Grant, connect: Connect
) -> None:
    api.script(Reply.text(["Hel", "lo"], usage=SPENT))
    with ModelGateway(recorder=record) as gateway:
        token = gateway.issue(replace(grant, kind="scheduled_prompt", session_id=None, turn=None, execution_id="x1"))
        read_events(connect(gateway.base_url).post("/v1/messages", messages_body(), token=token))
        assert gateway.flush(timeout=WAIT, token=token)

    [event] = list(UsageEvent.query("u1"))
    grant = (event.kind, event.project_id, event.execution_id, event.session_id)
    tokens = (event.tokens_in, event.tokens_out, event.cache_read_tokens, event.cache_write_tokens)
    assert grant == ("scheduled_prompt", "p1", "x1", None)
    assert tokens == (321, 45, 9_000, 600)
    assert event.model == "claude-sonnet-4-5"
    assert event.cost_usd == pytest.approx(
        cost_usd("claude-sonnet-4-5", tokens_in=321, tokens_out=45, cache_read_tokens=9_000, cache_write_tokens=600)
    )
    assert event.day == event.created_at.strftime("%Y-%m-%d")
    assert event.sk.startswith(event.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
