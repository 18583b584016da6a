"""WebSocket $connect accepts only a live session token or API key; $default refuses connections it does not know."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest

from local.lambda_events import LambdaContext
from shared.models.connections import Connection
from tests.support.accounts import (
    EVENTS,
    WS_CONNECT_EVENT,
    AccountsStack,
    Person,
    call,
    create_key,
    create_user,
    register_first,
    sign_in,
    token_issued_at,
)
from tests.support.aws import posted_events, queued_messages
from tests.support.imports import loaded_after


def connect_with(event: dict[str, Any]) -> dict[str, Any]:
    from functions.ws_connect.handler import handler

    return dict(handler(event, LambdaContext("ws-connect")))


def connect(*, token: str | None = None, api_key: str | None = None, connection_id: str = "conn-a") -> dict[str, Any]:
    event = copy.deepcopy(WS_CONNECT_EVENT)
    event["requestContext"]["connectionId"] = connection_id
    event["queryStringParameters"] = {"token": token} if token else None
    event["multiValueQueryStringParameters"] = {"token": [token]} if token else None
    if api_key:
        event["headers"]["X-API-Key"] = api_key
    return connect_with(event)


def send(body: str, connection_id: str) -> list[dict[str, Any]]:
    from functions.ws_default.handler import handler

    event = json.loads((EVENTS / "ws_default.json").read_text())
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = body
    assert handler(event, LambdaContext("ws-default")) == {"statusCode": 200}
    return posted_events(connection_id)


def refused(response: dict[str, Any]) -> str:
    assert response["statusCode"] == 401
    error = json.loads(response["body"])["error"]
    assert error["code"] == "unauthenticated"
    assert error["message"].endswith(".")
    return str(error["message"])


@pytest.fixture
def alice(accounts: AccountsStack) -> Person:
    return create_user(register_first(), "alice")


def test_without_credentials_the_upgrade_is_refused_and_nothing_is_recorded(alice: Person) -> None:
    # When a client connects without a token, and with the recorded event's made-up token
    without = connect()
    recorded = connect_with(copy.deepcopy(WS_CONNECT_EVENT))

    # Then both are refused, and no connection record exists
    assert "Sign in first" in refused(without)
    refused(recorded)
    assert list(Connection.scan()) == []


def test_a_valid_token_is_accepted_and_the_record_carries_the_user(alice: Person) -> None:
    # When alice connects with her session token
    response = connect(token=alice.token, connection_id="conn-alice")

    # Then the upgrade is accepted and the connection is hers
    assert response == {"statusCode": 200}
    record = Connection.get("conn-alice")
    assert record.user_id == alice.id
    assert record.source_ip == WS_CONNECT_EVENT["requestContext"]["identity"]["sourceIp"]
    assert record.expires_at is not None


def test_an_expired_token_is_refused(accounts: AccountsStack, alice: Person) -> None:
    expired = token_issued_at(alice.id, time.time() - 2 * accounts.settings.jwt_ttl_seconds)

    assert "expired" in refused(connect(token=expired))
    assert list(Connection.scan()) == []


def test_a_revoked_token_is_refused(alice: Person) -> None:
    # Given alice changed her password since she got her token
    old = alice.token
    body = {"currentPassword": alice.password, "newPassword": "another long passphrase"}
    assert call("PATCH", "/api/auth/me", json_body=body, token=old).status == 200

    # Then the old token cannot open a connection
    assert "session has ended" in refused(connect(token=old))
    assert list(Connection.scan()) == []


def test_an_api_key_header_is_accepted_until_the_key_is_deactivated(alice: Person) -> None:
    # Given a full-scope key of alice
    created = create_key(alice, scope="full")

    # When an integration connects with it
    accepted = connect(api_key=created["key"], connection_id="conn-key")

    # Then the connection is alice's
    assert accepted == {"statusCode": 200}
    assert Connection.get("conn-key").user_id == alice.id

    # When she deactivates the key, its open connection is closed and the next one is refused
    call("DELETE", f"/api/api-keys/{created['id']}", token=alice.token)
    refused(connect(api_key=created["key"], connection_id="conn-key-2"))
    assert list(Connection.scan()) == []


def test_an_integrations_key_cannot_open_a_websocket(alice: Person) -> None:
    # Given a key of alice with the default scope, integrations
    created = create_key(alice)

    # When an integration connects with it
    reply = connect(api_key=created["key"], connection_id="conn-integration")

    # Then it is refused, saying what the key is for, and nothing is recorded
    assert "for integrations" in refused(reply)
    assert list(Connection.scan()) == []


def test_a_message_on_a_connection_without_a_record_is_unauthenticated(accounts: AccountsStack) -> None:
    # When a message arrives on a connection that $connect never recorded
    [event] = send('{"action": "ping", "id": "p-1"}', "conn-unknown")

    # Then the client is told to sign in again, and no work is queued
    assert (event["type"], event["code"]) == ("error", "unauthenticated")
    assert queued_messages(accounts.settings) == []


def test_a_deleted_users_connection_is_forgotten(accounts: AccountsStack, alice: Person) -> None:
    # Given alice connected, and her ping accepted
    connect(token=alice.token, connection_id="conn-doomed")
    assert send('{"action": "ping", "id": "p-1"}', "conn-doomed") == []
    admin = sign_in("admin")

    # When an administrator deletes her account
    assert call("DELETE", f"/api/admin/users/{alice.id}", token=admin.token).status == 204

    # Then her connection record is gone and a further message is refused
    [event] = send('{"action": "ping", "id": "p-2"}', "conn-doomed")
    assert event["code"] == "unauthenticated"
    assert list(Connection.scan()) == []


def test_the_connect_function_imports_no_pydantic() -> None:
    # $connect only checks credentials (shared.accounts.callers); pydantic would add some 80 ms to its cold start.
    assert loaded_after(["functions.ws_connect.handler"], ["pydantic"]) == []
