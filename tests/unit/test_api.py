"""The REST entry point: API Gateway events through Mangum to FastAPI, every error a JSON body."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from functions.api.handler import handler
from local.lambda_events import LambdaContext

pytestmark = pytest.mark.unit

HEALTH = json.loads((Path(__file__).parent.parent / "events" / "api_health.json").read_text())


def call(method: str = "GET", path: str = "/api/health", body: str | None = None, **headers: str) -> dict[str, Any]:
    event = copy.deepcopy(HEALTH)
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["body"] = body
    event["headers"].update(headers)
    response = handler(event, LambdaContext("api"))
    response["json"] = json.loads(response["body"]) if response.get("body") else None
    return response


def test_health_answers_from_the_recorded_gateway_event() -> None:
    response = call()

    assert response["statusCode"] == 200
    assert response["json"]["status"] == "ok"
    assert response["json"]["mode"] == "local"
    assert response["headers"]["x-request-id"] == HEALTH["requestContext"]["requestId"]


def test_the_openapi_document_describes_the_api() -> None:
    response = call(path="/api/openapi.json")

    assert response["statusCode"] == 200
    assert "/api/health" in response["json"]["paths"]


def test_every_operation_documents_the_error_answers_it_gives() -> None:
    document = call(path="/api/openapi.json")["json"]
    error = {"$ref": "#/components/schemas/ErrorAnswer"}

    operations = [operation for path_item in document["paths"].values() for operation in path_item.values()]
    assert len(operations) > 100
    for operation in operations:
        responses = operation["responses"]
        for status in ("400", "401", "403", "404", "409", "413", "429", "503"):
            assert responses[status]["content"]["application/json"]["schema"] == error, (operation["summary"], status)
        # A request that is not valid is a 400 with the error envelope, never FastAPI's 422 "Validation Error"; a
        # route whose own answer is a 422 (company detection: nothing to read on the page) declares the envelope.
        if "422" in responses:
            assert responses["422"]["content"]["application/json"]["schema"] == error, operation["summary"]
        assert "500" not in responses, operation["summary"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    envelope = document["components"]["schemas"]["ErrorInfo"]
    assert envelope["required"] == ["code", "message", "requestId"]
    assert envelope["additionalProperties"] is True
    push = document["paths"]["/api/git/push"]["post"]["responses"]
    assert push["502"]["content"]["application/json"]["schema"] == error  # a route's own status, declared by it


def test_an_error_answer_matches_its_documented_schema() -> None:
    document = call(path="/api/openapi.json")["json"]
    body = call("POST", "/api/auth/login", body="{broken")["json"]

    envelope = document["components"]["schemas"]["ErrorInfo"]
    assert set(envelope["required"]) <= set(body["error"])
    assert set(document["components"]["schemas"]["ErrorAnswer"]["required"]) == set(body)


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/no-such-thing", 404, "not_found"),
        ("GET", "/api/../../etc/passwd", 404, "not_found"),
        ("DELETE", "/api/health", 405, "method_not_allowed"),
        ("POST", "/api/health", 405, "method_not_allowed"),
    ],
)
def test_client_mistakes_get_a_json_error_a_person_can_read(method: str, path: str, status: int, code: str) -> None:
    response = call(method, path, body="{broken")

    assert response["statusCode"] == status
    error = response["json"]["error"]
    assert error["code"] == code
    assert error["message"].endswith(".")
    assert error["requestId"] == HEALTH["requestContext"]["requestId"]
