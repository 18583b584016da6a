"""Amazon Bedrock end to end: an administrator configures it, tests it, picks a model and chat streams from it.

The real local stack runs the real Claude CLI (CLAUDE_CODE_USE_BEDROCK, holding only a gateway token) whose model
gateway signs each request with the stored keys and sends it to the tests' fake Bedrock runtime
(AWS_ENDPOINT_URL_BEDROCK_RUNTIME), which verifies every signature as AWS does.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_chat import Chat
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.fake_bedrock import ACCESS_KEY_ID, SECRET_ACCESS_KEY, FakeBedrock
from tests.support.stack import LocalStack

pytestmark = [requires_claude]
WAIT = 90
REGION = "us-west-2"
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
ANTHROPIC_KEY = f"sk-ant-api03-{secrets.token_urlsafe(24)}"
ACKNOWLEDGMENT = "I understand that prompts over 200K tokens are billed at a higher rate."
PROVIDER_ROUTES = [
    ("GET", "/admin/ai-provider"),
    ("POST", "/setup/configure-claude"),
    ("POST", "/setup/test-claude-key"),
    ("POST", "/admin/bedrock/configure"),
    ("POST", "/admin/bedrock/test"),
    ("GET", "/admin/bedrock/models"),
    ("POST", "/admin/bedrock/switch-model"),
    ("POST", "/admin/bedrock/disable"),
    ("POST", "/admin/bedrock/context-1m"),
    ("GET", "/admin/bedrock/context-audit"),
]


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeAnthropic, FakeBedrock]]:
    with FakeAnthropic(api_keys={ANTHROPIC_KEY}) as api, FakeBedrock(region=REGION) as bedrock:
        yield api, bedrock


@pytest.fixture(scope="module")
def stack(fakes: tuple[FakeAnthropic, FakeBedrock], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    api, bedrock = fakes
    env = {
        "ANTHROPIC_API_KEY": "",
        "ANTHROPIC_AUTH_TOKEN": "",
        "CLAUDE_CODE_USE_BEDROCK": "",
        "CLAUDE_CODE_MAX_RETRIES": "0",
        "ANTHROPIC_BASE_URL": api.url,
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url,
    }
    started = LocalStack(Path(tmp_path_factory.mktemp("bedrock-stack")), env=env).start()
    yield started
    started.stop()


def call(stack: LocalStack, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or stack.admin_token()}"}
    return requests.request(method, f"{stack.base_url}/api{path}", headers=headers, timeout=60, **kwargs)


def ok(response: requests.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def chat_once(stack: LocalStack, project_id: str, message: str) -> dict[str, Any]:
    chat = Chat(stack)
    try:
        chat.send(project_id, message)
        end = chat.until(lambda e: e.get("type") in ("turn.done", "error", "turn.aborted"), timeout=WAIT)
        return {**end, "answer": chat.text(end.get("turn", 1)), "events": list(chat.events)}
    finally:
        chat.close()


def test_chat_streams_from_bedrock_with_signed_requests_and_switches_back(
    stack: LocalStack, fakes: tuple[FakeAnthropic, FakeBedrock]
) -> None:
    api, bedrock = fakes
    project_id = ok(call(stack, "POST", "/projects", json={"name": "Bedrock"}))["id"]
    keys = {"region": REGION, "accessKeyId": ACCESS_KEY_ID, "secretAccessKey": SECRET_ACCESS_KEY}

    configured = ok(call(stack, "POST", "/admin/bedrock/configure", json=keys))
    assert configured["bedrock"]["accessKeyHint"] == f"…{ACCESS_KEY_ID[-4:]}"
    assert SECRET_ACCESS_KEY not in str(configured)

    # The test is a real, signed invocation of the chosen model.
    tested = ok(call(stack, "POST", "/admin/bedrock/test", json={"modelId": MODEL}))
    assert (tested["ok"], tested["provider"], tested["model"]) == (True, "bedrock", MODEL), tested
    probe = bedrock.message_requests[-1]
    assert (probe.model_id, probe.signature_verified, probe.access_key_id) == (MODEL, True, ACCESS_KEY_ID)

    switched = ok(call(stack, "POST", "/admin/bedrock/switch-model", json={"modelId": MODEL}))
    assert (switched["provider"], switched["model"], switched["configured"]) == ("bedrock", MODEL, True)

    # Chat: the CLI speaks Bedrock to the gateway; the gateway signs; the answer streams to the client.
    before, anthropic_before = len(bedrock.message_requests), len(api.message_requests)
    bedrock.script(Reply.text(["Hello ", "from ", "Bedrock."]).when_last_user_contains("hello bedrock"))
    answered = chat_once(stack, project_id, "hello bedrock")
    assert answered["type"] == "turn.done", answered
    assert answered["answer"] == "Hello from Bedrock."
    assert len([e for e in answered["events"] if e.get("type") == "text.delta"]) >= 1
    turn_requests = bedrock.message_requests[before:]
    assert turn_requests and all(r.signature_verified for r in turn_requests)
    assert all(r.access_key_id == ACCESS_KEY_ID for r in turn_requests)
    assert {r.model_id for r in turn_requests} == {MODEL}  # no probing of other model ids, each a billed call
    assert any(r.streamed for r in turn_requests if r.model_id == MODEL)
    assert all("sk-studio-gw-" not in str(r.headers) for r in turn_requests)  # the job token stays at the gateway
    assert len(api.message_requests) == anthropic_before

    # 1M context needs the acknowledgement, and leaves an audit row.
    refused = call(stack, "POST", "/admin/bedrock/context-1m", json={"enabled": True})
    assert refused.status_code in (400, 422) and "acknowledg" in refused.text.lower()
    enabled = ok(
        call(stack, "POST", "/admin/bedrock/context-1m", json={"enabled": True, "acknowledgment": ACKNOWLEDGMENT})
    )
    assert enabled["bedrock"]["context1mEnabled"] is True
    audit = ok(call(stack, "GET", "/admin/bedrock/context-audit"))
    assert [(entry["username"], entry["enabled"], entry["acknowledgment"]) for entry in audit][:1] == [
        ("admin", True, ACKNOWLEDGMENT)
    ]

    # Back to Anthropic: the next turn goes there, with the product's key.
    ok(call(stack, "POST", "/setup/configure-claude", json={"apiKey": ANTHROPIC_KEY}))
    back = ok(call(stack, "POST", "/admin/bedrock/disable"))
    assert back["provider"] == "anthropic"
    bedrock_before = len(bedrock.message_requests)
    api.script(Reply.text("Hello from Anthropic.").when_last_user_contains("and now?"))
    assert chat_once(stack, project_id, "and now?")["answer"] == "Hello from Anthropic."
    assert len(bedrock.message_requests) == bedrock_before
    assert api.message_requests[-1].headers.get("x-api-key") == ANTHROPIC_KEY


def test_bedrock_refusals_are_told_apart(stack: LocalStack, fakes: tuple[FakeAnthropic, FakeBedrock]) -> None:
    _, bedrock = fakes
    wrong = {"region": REGION, "accessKeyId": "AKIAWRONGKEY00000000", "secretAccessKey": "wrong/secret/key/00000000"}
    ok(call(stack, "POST", "/admin/bedrock/configure", json=wrong))

    refused = ok(call(stack, "POST", "/admin/bedrock/test", json={"modelId": MODEL}))
    unknown_model = "us.anthropic.claude-unknown-v9:0"
    ok(
        call(
            stack,
            "POST",
            "/admin/bedrock/configure",
            json={**wrong, "accessKeyId": ACCESS_KEY_ID, "secretAccessKey": SECRET_ACCESS_KEY},
        )
    )
    missing = ok(call(stack, "POST", "/admin/bedrock/test", json={"modelId": unknown_model}))

    assert (refused["ok"], refused["outcome"]) == (False, "invalid_key"), refused
    assert "Amazon Bedrock" in refused["message"]
    assert (missing["ok"], missing["outcome"]) == (False, "model_unavailable"), missing
    assert ok(call(stack, "GET", "/admin/ai-provider"))["test"]["status"] == "failed"
    assert bedrock.message_requests[-1].model_id == unknown_model


def test_only_administrators_reach_the_provider_routes(stack: LocalStack) -> None:
    password = secrets.token_urlsafe(16)
    ok(call(stack, "POST", "/admin/users", json={"username": "member", "password": password, "isAdmin": False}))
    token = requests.post(
        f"{stack.base_url}/api/auth/login", json={"username": "member", "password": password}, timeout=30
    ).json()["token"]

    for method, path in PROVIDER_ROUTES:
        response = call(stack, method, path, token=token, json={})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["message"]
    status = ok(call(stack, "GET", "/setup/status", token=token))
    assert status["isAdmin"] is False and status["needsOnboarding"] is False
