"""A signed-out caller's sockets close: at once when a route signs them out, else at their next action."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from local.lambda_events import LambdaContext
from shared.accounts import api_keys, users
from shared.accounts.domain import Principal
from shared.models.accounts import User
from shared.models.api_keys import ApiKey
from shared.models.chat import Session
from shared.models.connections import Connection
from shared.models.jobs import Job
from shared.projects import service as projects
from shared.realtime import standing as sockets
from shared.ws import standing
from tests.support.accounts import (
    EVENTS,
    WS_CONNECT_EVENT,
    AccountsStack,
    Person,
    call,
    create_key,
    create_user,
    register_first,
)
from tests.support.aws import aws_calls, posted_events, reads_of


def moto_connections() -> set[str]:
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    return set(apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].connections)


def connect(token: str, connection_id: str) -> None:
    from functions.ws_connect.handler import handler

    event = copy.deepcopy(WS_CONNECT_EVENT)
    event["requestContext"]["connectionId"] = connection_id
    event["queryStringParameters"] = {"token": token}
    event["multiValueQueryStringParameters"] = {"token": [token]}
    assert handler(event, LambdaContext("ws-connect")) == {"statusCode": 200}


def connect_key(key: str, connection_id: str) -> None:
    from functions.ws_connect.handler import handler

    event = copy.deepcopy(WS_CONNECT_EVENT)
    event["requestContext"]["connectionId"] = connection_id
    event["queryStringParameters"] = None
    event["multiValueQueryStringParameters"] = None
    event["headers"]["X-API-Key"] = key
    assert handler(event, LambdaContext("ws-connect")) == {"statusCode": 200}


def send(message: dict[str, Any], connection_id: str) -> dict[str, Any]:
    """One action; the last event posted to the connection (before it was closed, if it was)."""
    from functions.ws_default.handler import handler

    event = json.loads((EVENTS / "ws_default.json").read_text())
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = json.dumps(message)
    assert handler(event, LambdaContext("ws-default")) == {"statusCode": 200}
    if connection_id in LAST_WORDS:
        return LAST_WORDS.pop(connection_id)
    return posted_events(connection_id)[-1]


LAST_WORDS: dict[str, dict[str, Any]] = {}  # what was posted to a connection right before it was closed


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standing, "CACHE_SECONDS", 0.0)  # each action reads the account again
    real = sockets.post_event

    def keep(connection_id: str, event: dict[str, Any]) -> bool:
        LAST_WORDS[connection_id] = event
        return real(connection_id, event)

    monkeypatch.setattr(sockets, "post_event", keep)


def closed_signed_out(connection_id: str) -> bool:
    """The connection was told `signed_out`, closed at API Gateway and forgotten."""
    last = LAST_WORDS.pop(connection_id, {})
    return (
        (last.get("type"), last.get("code")) == ("error", "signed_out")
        and "sign in again" in last.get("message", "")
        and not list(Connection.query(connection_id))
        and connection_id not in moto_connections()
    )


@pytest.mark.usefixtures("fresh")
def test_a_password_change_closes_the_connections_opened_before_at_once(accounts: AccountsStack) -> None:
    # Given alice connected twice (two tabs), and her actions answered
    alice: Person = create_user(register_first(), "alice")
    connect(alice.token, "conn-alice")
    connect(alice.token, "conn-alice-2")
    assert send({"action": "no-such-action"}, "conn-alice")["code"] == "unknown_action"
    assert Connection.get("conn-alice").token_version is not None

    # When she changes her password
    body = {"currentPassword": alice.password, "newPassword": "another long passphrase"}
    changed = call("PATCH", "/api/auth/me", json_body=body, token=alice.token)
    assert changed.status == 200

    # Then both sockets were told why and closed by that request, and one opened with the new token works
    assert closed_signed_out("conn-alice")
    assert closed_signed_out("conn-alice-2")
    connect(changed.json["token"], "conn-alice-new")
    assert send({"action": "no-such-action"}, "conn-alice-new")["code"] == "unknown_action"


@pytest.mark.usefixtures("fresh")
def test_signing_out_everywhere_closes_every_earlier_socket(accounts: AccountsStack) -> None:
    alice = create_user(register_first(), "alice")
    connect(alice.token, "conn-old")

    renewed = call("POST", "/api/auth/logout-all", token=alice.token)

    assert renewed.status == 200
    assert closed_signed_out("conn-old")


@pytest.mark.usefixtures("fresh")
def test_a_disabled_account_is_disconnected_at_once(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob")
    connect(bob.token, "conn-bob")
    connect(admin.token, "conn-admin")

    assert call("PATCH", f"/api/admin/users/{bob.id}", json_body={"isActive": False}, token=admin.token).status == 200

    assert closed_signed_out("conn-bob")
    assert send({"action": "no-such-action"}, "conn-admin")["code"] == "unknown_action"


@pytest.mark.usefixtures("fresh")
def test_a_deactivated_keys_connection_closes_and_the_owners_session_stays(accounts: AccountsStack) -> None:
    alice = create_user(register_first(), "alice")
    created = create_key(alice, scope="full")
    connect_key(created["key"], "conn-key")
    connect(alice.token, "conn-session")
    assert send({"action": "no-such-action"}, "conn-key")["code"] == "unknown_action"

    assert call("DELETE", f"/api/api-keys/{created['id']}", token=alice.token).status == 200

    assert closed_signed_out("conn-key")
    assert send({"action": "no-such-action"}, "conn-session")["code"] == "unknown_action"


@pytest.mark.usefixtures("fresh")
def test_a_change_made_another_way_is_caught_at_the_next_action(accounts: AccountsStack) -> None:
    # Given alice connected, and her tokens revoked without a route that closes sockets (a script, a tool)
    alice = create_user(register_first(), "alice")
    connect(alice.token, "conn-alice")
    users.revoke_tokens(alice.id)

    # Then her next action is refused with the reason, and the connection is closed and forgotten
    refused = send({"action": "no-such-action"}, "conn-alice")
    assert (refused["type"], refused["code"]) == ("error", "signed_out")
    assert not list(Connection.query("conn-alice"))
    assert "conn-alice" not in moto_connections()


def own_project(person: Person) -> str:
    account = users.get(person.id)
    assert account is not None
    return projects.create(Principal(account=account, via="token"), f"{person.username}'s project").project_id


def chat_send(project_id: str) -> dict[str, Any]:
    return {"action": "chat.send", "projectId": project_id, "message": "Summarise the notes"}


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize("proof", ["session token", "API key"])
def test_each_chat_action_reads_its_callers_account_once(accounts: AccountsStack, proof: str) -> None:
    # Given alice connected with her session token or a key of hers, and a project of hers
    alice = create_user(register_first(), "alice")
    if proof == "API key":
        connect_key(create_key(alice, scope="full")["key"], "conn-alice")
    else:
        connect(alice.token, "conn-alice")
    project_id = own_project(alice)

    # When she sends a message, then asks to stop it and to replay her chat (each action checked afresh)
    with aws_calls() as sent:
        accepted = send(chat_send(project_id), "conn-alice")
    with aws_calls() as aborted:
        requested = send({"action": "chat.abort", "sessionId": accepted["sessionId"]}, "conn-alice")
    with aws_calls() as resumed:
        replayed = send({"action": "session.resume", "sessionId": accepted["sessionId"], "lastSeq": 0}, "conn-alice")

    # Then each was done, and each read her account once: for her standing and for the action (and the key once)
    assert [accepted["type"], requested["type"], replayed["type"]] == [
        "message.accepted",
        "abort.requested",
        "session.resumed",
    ]
    keys_read = 1 if proof == "API key" else 0
    for calls in (sent, aborted, resumed):
        assert (reads_of(calls, User), reads_of(calls, ApiKey)) == (1, keys_read)


def test_a_burst_of_actions_reads_the_account_once(accounts: AccountsStack) -> None:
    alice = create_user(register_first(), "alice")
    connect(alice.token, "conn-burst")
    project_id = own_project(alice)

    with aws_calls() as calls:
        for _ in range(3):
            send({"action": "no-such-action"}, "conn-burst")
        for _ in range(2):
            assert send(chat_send(project_id), "conn-burst")["type"] == "message.accepted"

    assert reads_of(calls, User) == 1


def ended_signed_out(refused: dict[str, Any], connection_id: str) -> bool:
    """The action was refused as signed out, and the connection closed at API Gateway and forgotten."""
    return (
        (refused["type"], refused["code"]) == ("error", "signed_out")
        and not list(Connection.query(connection_id))
        and connection_id not in moto_connections()
    )


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize("change", ["disabled", "signed out everywhere"])
def test_a_chat_message_after_a_change_made_another_way_is_refused_and_the_connection_ended(
    accounts: AccountsStack, change: str
) -> None:
    # Given alice connected, with a project, and her account changed without a route that closes sockets
    alice = create_user(register_first(), "alice")
    connect(alice.token, "conn-alice")
    project_id = own_project(alice)
    if change == "disabled":
        users.update(alice.id, is_active=False)
    else:
        users.revoke_tokens(alice.id)

    # When she sends a message
    refused = send(chat_send(project_id), "conn-alice")

    # Then it is refused with the reason, the connection is ended, and nothing was started
    assert ended_signed_out(refused, "conn-alice")
    assert (Session.count(), Job.count()) == (0, 0)


@pytest.mark.usefixtures("fresh")
def test_a_chat_message_over_a_key_deactivated_another_way_is_refused_and_the_session_stays(
    accounts: AccountsStack,
) -> None:
    # Given alice connected with a key and with her session token, and the key deactivated without its route
    alice = create_user(register_first(), "alice")
    created = create_key(alice, scope="full")
    connect_key(created["key"], "conn-key")
    connect(alice.token, "conn-session")
    project_id = own_project(alice)
    api_keys.deactivate(alice.id, created["id"])

    # When she sends a message over each
    refused = send(chat_send(project_id), "conn-key")
    accepted = send(chat_send(project_id), "conn-session")

    # Then the key's is refused and its connection ended; her session's is accepted
    assert ended_signed_out(refused, "conn-key")
    assert accepted["type"] == "message.accepted"
    assert Session.count() == 1
