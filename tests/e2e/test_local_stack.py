"""The running product: REST through the gateway, and the WebSocket loop through SQS and the runner."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.support.stack import LocalStack

WAIT = 15  # seconds any single event may take on a loaded CI machine


def receive(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(ws.recv(timeout=WAIT)))


def test_health_answers_through_the_gateway(local_stack: LocalStack) -> None:
    response = requests.get(f"{local_stack.base_url}/api/health", timeout=5)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-request-id"]


def test_the_openapi_document_is_served(local_stack: LocalStack) -> None:
    document = requests.get(f"{local_stack.base_url}/api/openapi.json", timeout=5).json()

    assert document["info"]["title"] == "Sasha Studio API"
    assert "/api/health" in document["paths"]


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api", "/api/health/extra"])
def test_unknown_rest_routes_answer_json_404(local_stack: LocalStack, path: str) -> None:
    response = requests.get(f"{local_stack.base_url}{path}", timeout=5)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_an_oversized_rest_body_is_refused_before_the_function_runs(local_stack: LocalStack) -> None:
    response = requests.post(f"{local_stack.base_url}/api/health", data=b"x" * (10 * 1024 * 1024 + 1), timeout=30)

    assert response.status_code == 413
    assert "presigned" in response.json()["error"]["message"]


def test_the_spa_and_its_config_are_served(local_stack: LocalStack) -> None:
    index = requests.get(f"{local_stack.base_url}/", timeout=5)
    deep_link = requests.get(f"{local_stack.base_url}/schedules", timeout=5)
    config = requests.get(f"{local_stack.base_url}/config.json", timeout=5).json()

    assert index.status_code == 200
    assert "<html" in index.text.lower()
    assert deep_link.text == index.text
    assert config == {"wsUrl": None, "mode": "local"}


def test_ping_is_answered_by_the_runner_through_sqs(local_stack: LocalStack) -> None:
    with connect(local_stack.authed_ws_url()) as ws:
        ws.send(json.dumps({"action": "ping", "id": "e2e-1"}))
        pong = receive(ws)

    assert pong["type"] == "pong"
    assert pong["id"] == "e2e-1"
    assert pong["via"] == "runner"
    job = local_stack.client("dynamodb").get_item(
        TableName="studio-jobs", Key={"job_id": {"S": pong["jobId"]}}, ConsistentRead=True
    )["Item"]
    assert job["job_type"]["S"] == "ping"
    assert job["status"]["S"] in ("running", "succeeded")  # the pong leaves before the record is finished


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("this is not json", "invalid_json"),
        ('{"id": 1}', "missing_action"),
        ('{"action": "fly"}', "unknown_action"),
        ("[]", "invalid_message"),
        (json.dumps({"action": "ping", "blob": "x" * 33_000}), "message_too_large"),
        (b"\x00\xff\xfe binary", "invalid_json"),
    ],
)
def test_bad_messages_get_an_error_event_and_the_connection_stays_usable(
    local_stack: LocalStack, frame: str | bytes, code: str
) -> None:
    with connect(local_stack.authed_ws_url(), max_size=2**20) as ws:
        ws.send(frame)
        error = receive(ws)
        ws.send(json.dumps({"action": "ping", "id": "after"}))
        pong = receive(ws)

    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    assert pong["type"] == "pong"
    assert pong["id"] == "after"


def test_a_message_over_api_gateways_limit_closes_the_connection_like_api_gateway(local_stack: LocalStack) -> None:
    with connect(local_stack.authed_ws_url(), max_size=2**20) as ws:
        ws.send("x" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=WAIT)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


def test_the_connections_api_refuses_unsigned_callers(local_stack: LocalStack) -> None:
    response = requests.post(f"{local_stack.base_url}/@connections/anything", data=b"{}", timeout=5)

    assert response.status_code == 403


def test_a_websocket_without_a_valid_token_is_refused_before_any_record(local_stack: LocalStack) -> None:
    for url in (local_stack.ws_url, f"{local_stack.ws_url}?token=not-a-token"):
        with pytest.raises(InvalidStatus) as refused:
            connect(url)
        assert refused.value.response.status_code == 401
