"""Load on the WebSocket path: 50 clients stream chat turns at once; a revoked token's socket closes at once."""

from __future__ import annotations

import json
import time

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.stack import LocalStack
from tests.support.ws_load import reply_tokens, stream_at_once

pytestmark = requires_claude
CLIENTS = 50
TOKENS = 20


def new_project(stack: LocalStack, token: str) -> str:
    response = requests.post(
        f"{stack.base_url}/api/projects",
        json={"name": f"load {time.monotonic_ns()}"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def test_fifty_clients_streaming_at_once_lose_and_repeat_nothing(stack: LocalStack, api: FakeAnthropic) -> None:
    # Given one signed-in administrator with a project, and 50 scripted replies of 20 named tokens each
    api.script()
    token = stack.admin_token()
    project = new_project(stack, token)

    # When 50 sockets each start a turn at the same moment
    run = stream_at_once(stack.ws_url, token, project, api, clients=CLIENTS, tokens=TOKENS)

    # Then every client got its whole turn: each event once, none missing, its reply's text whole and in order
    assert run.failures == []
    errors = [e for c in run.clients for e in c.events if e.get("type") == "error"]
    assert [c.status for c in run.clients] == ["completed"] * CLIENTS, errors
    assert [c.duplicates for c in run.clients] == [0] * CLIENTS
    assert [c.missing for c in run.clients] == [0] * CLIENTS
    replies = sorted(c.reply for c in run.clients if c.reply is not None)
    assert replies == list(range(CLIENTS))  # each reply streamed to exactly one session
    for client in run.clients:
        assert client.text == "".join(reply_tokens(client.reply or 0, TOKENS))
        assert client.session_seqs == sorted(client.session_seqs)
    assert run.relay_ms, "no token was matched to the moment the fake API wrote it"


def test_a_socket_of_a_changed_password_is_told_and_closed_by_that_request(stack: LocalStack) -> None:
    # Given a member with an open socket that answers
    admin = stack.admin_token()
    username, password = f"load{time.monotonic_ns()}", "a long enough passphrase 1"
    created = requests.post(
        f"{stack.base_url}/api/admin/users",
        json={"username": username, "password": password},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    created.raise_for_status()
    signed_in = requests.post(
        f"{stack.base_url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    ).json()
    with connect(f"{stack.ws_url}?token={signed_in['token']}", open_timeout=30) as ws:
        ws.send(json.dumps({"action": "ping", "id": "before"}))
        assert json.loads(ws.recv(timeout=30))["type"] == "pong"

        # When the member changes the password in another tab
        changed = requests.patch(
            f"{stack.base_url}/api/auth/me",
            json={"currentPassword": password, "newPassword": "another long passphrase 2"},
            headers={"Authorization": f"Bearer {signed_in['token']}"},
            timeout=30,
        )
        assert changed.status_code == 200

        # Then, without sending anything, the socket is told why and closed (waiting at most 10 s for it)
        told = json.loads(ws.recv(timeout=10))
        assert (told["type"], told["code"]) == ("error", "signed_out")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
