"""CLAUDE.md versions reach Claude: the real local stack runs the real CLI against the fake Messages API.

What the model is sent is read at the fake: the CLI puts the user's and the project's CLAUDE.md into its request.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.test_chat import Chat
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

pytestmark = [requires_claude]


def rest(stack: LocalStack, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {stack.admin_token()}"}
    response = requests.request(method, f"{stack.base_url}/api{path}", headers=headers, timeout=60, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def new_project(stack: LocalStack) -> str:
    return str(rest(stack, "POST", "/projects", json={"name": f"rules {time.monotonic_ns()}"})["id"])


def save_rules(stack: LocalStack, content: str, **target: Any) -> dict[str, Any]:
    scope = target or {"scope": "user"}
    current = rest(stack, "GET", "/rules/claude-md", params=scope)
    saved = rest(
        stack, "PUT", "/rules/claude-md", json={**scope, "content": content, "baseVersion": current["version"]}
    )
    assert saved["changed"] is True
    return dict(saved)


def marker(name: str) -> str:
    return f"{name}-{secrets.token_hex(6)}"


@pytest.fixture
def chat(stack: LocalStack, api: FakeAnthropic) -> Iterator[Chat]:
    api.script(Reply.text("Noted."))
    client = Chat(stack)
    yield client
    client.close()
    rest(stack, "PUT", "/rules/claude-md", json={"scope": "user", "content": "", "baseVersion": _version(stack)})


def _version(stack: LocalStack) -> int:
    return int(rest(stack, "GET", "/rules/claude-md", params={"scope": "user"})["version"])


def sent_during(api: FakeAnthropic, start: int) -> str:
    """Everything the CLI sent the model since request `start`, as one text."""
    return "\n".join(json.dumps(request.body) for request in api.message_requests[start:])


def turn(chat: Chat, api: FakeAnthropic, project: str | None, number: int, **fields: Any) -> str:
    start = len(api.message_requests)
    chat.send(project, f"turn {number}", **fields)
    done = chat.turn_end(number)
    assert done["type"] == "turn.done", done
    return sent_during(api, start)


def test_the_next_turn_sees_the_users_current_rules_only(stack: LocalStack, api: FakeAnthropic, chat: Chat) -> None:
    project = new_project(stack)
    first, second = marker("first-user-rule"), marker("second-user-rule")
    save_rules(stack, f"# My rules\nAlways mention {first}.\n")

    sent = turn(chat, api, project, 1)
    assert first in sent
    session_id = next(e["sessionId"] for e in chat.events if e.get("type") == "session.created")

    save_rules(stack, f"# My rules\nAlways mention {second}.\n")
    start = len(api.message_requests)
    turn(chat, api, None, 2, sessionId=session_id)
    # The resumed conversation still holds turn 1 (with the rules as they were then); the new turn's own message
    # carries the current rules, which the CLI says replace the earlier copy.
    new_message = json.dumps(api.message_requests[start].messages[-1])
    assert second in new_message and first not in new_message
    assert "replaces its earlier copy" in new_message

    fresh = Chat(stack)
    try:
        sent = turn(fresh, api, project, 1)
    finally:
        fresh.close()
    assert second in sent and first not in sent


def test_a_projects_rules_reach_its_chats_and_no_other_projects(
    stack: LocalStack, api: FakeAnthropic, chat: Chat
) -> None:
    ours, theirs = new_project(stack), new_project(stack)
    rule = marker("project-rule")
    save_rules(stack, f"In this project, always say {rule}.\n", scope="project", projectId=ours)

    assert rule in turn(chat, api, ours, 1)
    other = Chat(stack)
    try:
        assert rule not in turn(other, api, theirs, 1)
    finally:
        other.close()


def test_a_files_screen_edit_of_claude_md_is_in_the_history_and_reaches_claude(
    stack: LocalStack, api: FakeAnthropic, chat: Chat
) -> None:
    project = new_project(stack)
    target = {"scope": "project", "projectId": project}
    save_rules(stack, "From the rules panel.\n", **target)
    rule = marker("files-screen-rule")
    rest(stack, "PUT", f"/projects/{project}/files/content", json={"path": "CLAUDE.md", "content": f"Say {rule}.\n"})

    history = rest(stack, "GET", "/rules/claude-md/versions", params=target)["versions"]
    assert [(v["version"], v["source"], v["isActive"]) for v in history] == [(2, "files", True), (1, "editor", False)]
    assert rule in turn(chat, api, project, 1)
