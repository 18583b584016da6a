"""Setting Claude up from the product: no key → a clear error; a wrong key refused after a real call; the right
key sealed, used by chat through the gateway, kept across a kill -9, and found nowhere in plain text.

The real local stack (no key in its environment) runs the real Claude CLI against the fake Messages API, which
accepts one key only.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_chat import Chat
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

pytestmark = [requires_claude]
WAIT = 90
GOOD_KEY = f"sk-ant-api03-{secrets.token_urlsafe(32)}"
WRONG_KEY = f"sk-ant-api03-{secrets.token_urlsafe(32)}"
NO_KEY = {
    "ANTHROPIC_API_KEY": "",
    "ANTHROPIC_AUTH_TOKEN": "",
    "CLAUDE_CODE_USE_BEDROCK": "",
    "CLAUDE_CODE_MAX_RETRIES": "0",
}


def api_call(stack: LocalStack, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token or stack.admin_token()}"}
    response = requests.request(method, f"{stack.base_url}/api{path}", headers=headers, timeout=60, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(api_keys={GOOD_KEY}) as fake:
        yield fake


def start(api: FakeAnthropic, data_dir: Path, port: int | None = None) -> LocalStack:
    return LocalStack(data_dir, port=port, env={**NO_KEY, "ANTHROPIC_BASE_URL": api.url}).start()


def chat_once(stack: LocalStack, project_id: str, message: str) -> dict[str, Any]:
    chat = Chat(stack)
    try:
        chat.send(project_id, message)
        end = chat.until(lambda e: e.get("type") in ("turn.done", "error", "turn.aborted"), timeout=WAIT)
        return {**end, "answer": chat.text(end.get("turn", 1))}
    finally:
        chat.close()


def keys_sent(api: FakeAnthropic, since: int = 0) -> list[str | None]:
    return [request.headers.get("x-api-key") for request in api.message_requests[since:]]


def test_claude_is_set_up_in_the_product_and_its_key_stays_sealed(api: FakeAnthropic, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    stack = start(api, data_dir)
    try:
        project_id = api_call(stack, "POST", "/projects", json={"name": "Setup"})["id"]
        status = api_call(stack, "GET", "/setup/status")
        assert status["configured"] is False

        # Without a key, chat says what to configure, before any model call.
        refused = chat_once(stack, project_id, "hello?")
        assert (refused["type"], refused["code"]) == ("error", "claude_not_configured")
        assert "Settings → AI provider" in refused["message"]
        assert api.message_requests == []

        # A wrong key is refused after a real call to the API, through the gateway.
        wrong = api_call(stack, "POST", "/setup/test-claude-key", json={"apiKey": WRONG_KEY})
        assert (wrong["ok"], wrong["outcome"], wrong["provider"]) == (False, "invalid_key", "anthropic")
        assert "401" in wrong["message"]
        assert keys_sent(api) == [WRONG_KEY]

        # Saved anyway, the wrong key fails chat with words that name the provider and what to do.
        api_call(stack, "POST", "/setup/configure-claude", json={"apiKey": WRONG_KEY})
        rejected = chat_once(stack, project_id, "does it work?")
        assert (rejected["type"], rejected["code"]) == ("error", "claude_auth_failed"), rejected
        assert "Anthropic refused the API key (401)" in rejected["message"]
        assert "Settings → AI provider" in rejected["message"]

        # The right key: stored sealed, shown as a hint, tested, then used by chat.
        stored = api_call(stack, "POST", "/setup/configure-claude", json={"apiKey": GOOD_KEY})
        assert stored["anthropic"] == {"keyHint": f"…{GOOD_KEY[-4:]}", "keySource": "product"}
        assert stored["configured"] is True
        passed = api_call(stack, "POST", "/setup/test-claude-key", json={})
        assert (passed["ok"], passed["outcome"]) == (True, "ok")
        assert api_call(stack, "GET", "/admin/ai-provider")["test"]["status"] == "passed"
        before = len(api.message_requests)
        api.script(Reply.text(["Hello ", "from Claude."]))
        answered = chat_once(stack, project_id, "hello again")
        assert answered["type"] == "turn.done", answered
        assert answered["answer"] == "Hello from Claude."
        assert set(keys_sent(api, before)) == {GOOD_KEY}  # the gateway's key reached the API, not the job token

        # kill -9: the key is still there after the restart.
        stack.wait_saved()
        stack.kill()
        stack = start(api, data_dir, port=stack.port)
        before = len(api.message_requests)
        api.script(Reply.text("Still here."))
        assert chat_once(stack, project_id, "after the crash")["answer"] == "Still here."
        assert set(keys_sent(api, before)) == {GOOD_KEY}
        answers = [
            api_call(stack, "GET", "/admin/ai-provider"),
            api_call(stack, "GET", "/setup/status"),
        ]
        assert all(GOOD_KEY not in str(answer) for answer in answers)
    finally:
        stack.stop()

    # Nowhere in plain text: not in the data folder (tables, objects, the stack's log), not in the job sandbox.
    needles = [GOOD_KEY.encode(), base64.b64encode(GOOD_KEY.encode())[:40], WRONG_KEY.encode()]
    for folder in (data_dir, stack.sandbox_dir):
        for path in folder.rglob("*") if folder.exists() else ():
            if path.is_file() and not path.is_symlink():
                content = path.read_bytes()
                assert not any(needle in content for needle in needles), path


def test_the_cli_never_holds_the_key(api: FakeAnthropic, tmp_path: Path) -> None:
    pytest.importorskip("tests.e2e.test_sandbox_attacks")
    from tests.e2e.test_sandbox_attacks import run_approved

    stack = start(api, tmp_path / "data")
    chat = Chat(stack)
    try:
        api_call(stack, "POST", "/setup/configure-claude", json={"apiKey": GOOD_KEY})
        project_id = api_call(stack, "POST", "/projects", json={"name": "Env"})["id"]

        printed = run_approved(chat, api, project_id, "env; cat /proc/self/environ | tr '\\0' '\\n'")

        assert "ANTHROPIC_API_KEY=sk-studio-gw-" in printed  # the job's token, worthless elsewhere
        assert GOOD_KEY not in printed and GOOD_KEY[-12:] not in printed
    finally:
        chat.close()
        stack.stop()
