"""The $default route: every malformed message gets a clear error event; valid ones reach their action."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from local.lambda_events import LambdaContext
from shared import aws
from shared.models.connections import Connection
from shared.models.jobs import Job
from shared.realtime import connections
from shared.realtime.publisher import post_event
from shared.settings import Settings
from tests.support.aws import moto_aws, posted_events, queued_messages

EVENTS = Path(__file__).parent.parent / "events"


@pytest.fixture
def cloud() -> Iterator[Settings]:
    with moto_aws([Job, Connection]) as settings:
        yield settings


def default_event(body: str, *, connection_id: str = "conn-1", is_base64: bool = False) -> dict[str, Any]:
    event = json.loads((EVENTS / "ws_default.json").read_text())
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = body
    event["isBase64Encoded"] = is_base64
    return event


def send(body: str, **kwargs: Any) -> list[dict[str, Any]]:
    from functions.ws_default.handler import handler

    connections.remember(kwargs.get("connection_id", "conn-1"), user_id="user-1")

    response = handler(default_event(body, **kwargs), LambdaContext("ws-default"))
    assert response == {"statusCode": 200}
    return posted_events(kwargs.get("connection_id", "conn-1"))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not json", "invalid_json"),
        ("", "invalid_message"),
        ("[1, 2]", "invalid_message"),
        ('"ping"', "invalid_message"),
        ("{}", "missing_action"),
        ('{"action": ""}', "missing_action"),
        ('{"action": 7}', "invalid_message"),
        ('{"action": "launch-rockets"}', "unknown_action"),
        ('{"action": "ping", "id": 12}', "invalid_request"),
        (json.dumps({"action": "ping", "padding": "x" * 40_000}), "message_too_large"),
    ],
)
def test_a_bad_message_gets_one_clear_error_event(cloud: Settings, body: str, code: str) -> None:
    events = send(body)

    assert len(events) == 1
    assert events[0]["type"] == "error"
    assert events[0]["code"] == code
    assert events[0]["message"].endswith(".")
    assert events[0]["requestId"]
    assert queued_messages(cloud) == []


def test_an_unknown_action_names_the_known_ones(cloud: Settings) -> None:
    [event] = send('{"action": "nope"}')

    assert "Known actions: chat.abort, chat.answer, chat.prewarm, chat.send, ping, session.resume" in event["message"]


def test_binary_garbage_is_refused_as_invalid_json(cloud: Settings) -> None:
    body = base64.b64encode(b"\xff\xfe\x00garbage").decode()

    [event] = send(body, is_base64=True)

    assert event["code"] == "invalid_json"


def test_ping_queues_a_job_for_the_runner_in_the_connection_group(cloud: Settings) -> None:
    events = send('{"action": "ping", "id": "p-1"}', connection_id="conn-9")

    assert events == []  # the pong comes from the runner, not from this function
    [message] = queued_messages(cloud)
    body = json.loads(message["Body"])
    job = Job.get(body["job_id"])
    assert job.job_type == "ping"
    assert job.status == "queued"
    assert job.payload["connection_id"] == "conn-9"
    assert job.payload["ping_id"] == "p-1"
    assert job.group_id == "conn-conn-9"
    assert job.owner_id == "user-1"


def test_the_connection_stays_usable_after_an_error(cloud: Settings) -> None:
    send("garbage")
    send('{"action": "ping"}')

    assert len(queued_messages(cloud)) == 1


def test_a_gone_connection_is_forgotten_and_the_caller_carries_on(cloud: Settings) -> None:
    connections.remember("conn-gone")
    client = aws.client("apigatewaymanagementapi", cloud.ws_endpoint)

    with Stubber(client) as stub:
        stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410)
        delivered = post_event("conn-gone", {"type": "pong"})

    assert delivered is False
    assert not connections.is_open("conn-gone")


def test_a_message_on_a_connection_nobody_owns_is_refused(cloud: Settings) -> None:
    from functions.ws_default.handler import handler

    handler(default_event('{"action": "ping"}', connection_id="conn-unknown"), LambdaContext("ws-default"))

    [event] = posted_events("conn-unknown")
    assert event["code"] == "unauthenticated"
    assert queued_messages(cloud) == []


def test_disconnect_forgets_the_connection(cloud: Settings) -> None:
    from functions.ws_disconnect.handler import handler as disconnect

    event = json.loads((EVENTS / "ws_connect.json").read_text())
    connections.remember(event["requestContext"]["connectionId"], user_id="user-1")

    disconnect(event, LambdaContext("ws-disconnect"))

    assert not connections.is_open(event["requestContext"]["connectionId"])
