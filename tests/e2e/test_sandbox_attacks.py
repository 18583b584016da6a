"""The runner's sandbox, attacked from a chat: what an approved command can reach, see and leave behind.

The real local stack runs the real Claude CLI against the fake Messages API; "Claude" asks to run commands
(scripted `Bash` tool calls), the test approves them as a person would, and inspects the tool result that the
CLI sends back to the API: that is everything the command could read.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_chat import Chat
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import TEST_API_KEY, FakeAnthropic, Reply
from tests.support.stack import LocalStack, wait_until

pytestmark = [
    requires_claude,
    pytest.mark.skipif(os.geteuid() != 0, reason="the uid sandbox needs the runner to run as root"),
]
WAIT = 90


def api_call(stack: LocalStack, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token or stack.admin_token()}"}
    response = requests.request(method, f"{stack.base_url}/api{path}", headers=headers, timeout=30, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def new_project(stack: LocalStack, token: str | None = None) -> str:
    return str(api_call(stack, "POST", "/projects", token=token, json={"name": f"p {time.monotonic_ns()}"})["id"])


def save(stack: LocalStack, project_id: str, path: str, content: str) -> None:
    api_call(stack, "PUT", f"/projects/{project_id}/files/content", json={"path": path, "content": content})


def exists(stack: LocalStack, project_id: str, path: str) -> bool:
    response = requests.get(
        f"{stack.base_url}/api/projects/{project_id}/files/content",
        params={"path": path},
        headers={"Authorization": f"Bearer {stack.admin_token()}"},
        timeout=30,
    )
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


def new_user(stack: LocalStack, username: str) -> str:
    """A second, non-admin user; returns a session token."""
    password = secrets.token_urlsafe(16)
    api_call(stack, "POST", "/admin/users", json={"username": username, "password": password, "isAdmin": False})
    response = requests.post(
        f"{stack.base_url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["token"])


def run_approved(chat: Chat, api: FakeAnthropic, project_id: str, command: str) -> str:
    """Claude asks to run `command`, the person allows it; returns what the command printed (its tool result)."""
    api.script(Reply.tool_use("Bash", {"command": command, "timeout": 120_000}), Reply.text("Done."))
    requests_before = len(api.message_requests)
    chat.send(project_id, "please run it")
    asked = chat.until(lambda e: e["type"] in ("permission.request", "error"), timeout=WAIT)
    assert asked["type"] == "permission.request", asked
    chat.ws.send(
        json.dumps(
            {
                "action": "chat.answer",
                "sessionId": asked["sessionId"],
                "turn": asked["turn"],
                "questionId": asked["requestId"],
                "answer": "allow",
            }
        )
    )
    done = chat.until(lambda e: e["type"] in ("turn.done", "error") and e.get("turn") == asked["turn"], timeout=WAIT)
    assert done["type"] == "turn.done", done
    (result,) = api.message_requests[requests_before + 1].tool_results()
    content = result["content"]
    return content if isinstance(content, str) else "\n".join(part.get("text", "") for part in content)


@pytest.fixture
def chat(stack: LocalStack) -> Iterator[Chat]:
    client = Chat(stack)
    yield client
    client.close()


def test_an_approved_command_reaches_nothing_but_its_own_project(stack: LocalStack, api: FakeAnthropic, chat: Chat):
    # given project A with a secret file, on the runner's disk after a turn there
    marker = f"PROJECT-A-SECRET-{secrets.token_hex(8)}"
    secret_name = f"secret-{secrets.token_hex(6)}.txt"
    project_a, project_b = new_project(stack), new_project(stack)
    save(stack, project_a, secret_name, f"{marker}\n")
    api.script(Reply.text("Noted."))
    chat.send(project_a, "read the project")
    chat.turn_end()
    moto_port = stack.info()["motoPort"]
    aws_secret = stack.credentials()["aws_secret_access_key"]
    tables_before = sorted(stack.client("dynamodb").list_tables()["TableNames"])
    users_before = stack.client("dynamodb").scan(TableName="studio-users", Select="COUNT")["Count"]

    # when a chat in project B runs, approved, every way to look around
    dynamodb = f"http://127.0.0.1:{moto_port}/"
    attack = "\n".join(
        [
            "echo '== env'; env",
            "echo '== environ'; for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\" 2>/dev/null; done | sort -u",
            f"echo '== find'; timeout 60 find / -xdev -name {secret_name} 2>/dev/null",
            f"echo '== grep'; timeout 60 grep -rhoa {marker} /tmp /var/tmp {stack.data_dir} {stack.sandbox_dir}"
            " 2>/dev/null | head -20",
            "echo '== parent'; ls -la .. ../.. 2>&1",
            f"echo '== sandbox'; ls -la {stack.sandbox_dir}/projects/{project_a} {stack.data_dir} 2>&1",
            "echo '== aws unsigned'; curl -s -m 10 -X POST -H 'X-Amz-Target: DynamoDB_20120810.DeleteTable'"
            f" -H 'Content-Type: application/x-amz-json-1.0' -d '{{\"TableName\": \"studio-users\"}}' {dynamodb}",
            "echo; echo '== aws made-up key'; curl -s -m 10 --aws-sigv4 'aws:amz:us-east-1:dynamodb'"
            " --user AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            " -H 'X-Amz-Target: DynamoDB_20120810.DeleteTable' -H 'Content-Type: application/x-amz-json-1.0'"
            f' -d \'{{"TableName": "studio-users"}}\' {dynamodb}',
            "echo; echo '== s3 unsigned'; curl -s -m 10 -X PUT --data-binary planted"
            f" http://127.0.0.1:{moto_port}/studio-workspace/projects/{project_a}/files/planted.txt",
            f"echo; echo '== moto api'; curl -s -m 10 http://127.0.0.1:{moto_port}/moto-api/data.json | head -c 300",
            "echo; echo '== whoami'; id",
        ]
    )
    printed = run_approved(chat, api, project_b, attack)

    # then nothing secret reached the API
    assert "== whoami" in printed and "uid=0(" not in printed.split("== whoami")[1]
    assert TEST_API_KEY not in printed  # the Anthropic key the stack was given
    assert "STUDIO_" not in printed
    assert aws_secret not in printed and "AWS_SECRET_ACCESS_KEY" not in printed
    assert marker not in printed and secret_name not in printed.split("== find")[1].split("== grep")[0]
    sandbox_part = printed.split("== sandbox")[1].split("== aws")[0]
    assert project_a not in sandbox_part.replace(f"{stack.sandbox_dir}/projects/{project_a}", "")
    assert "Permission denied" in sandbox_part
    # and the product's data is unchanged
    assert sorted(stack.client("dynamodb").list_tables()["TableNames"]) == tables_before
    assert stack.client("dynamodb").scan(TableName="studio-users", Select="COUNT")["Count"] == users_before
    listed = stack.client("s3").list_objects_v2(Bucket="studio-workspace", Prefix=f"projects/{project_a}/")
    assert not [o for o in listed.get("Contents", []) if o["Key"].endswith("planted.txt")]
    assert stack.admin_token()


def test_a_background_process_started_with_setsid_ends_with_the_turn(stack: LocalStack, api: FakeAnthropic, chat: Chat):
    # given two sleeps of an unusual length, one in a new session (setsid), one detached with nohup
    seconds = 10_000 + secrets.randbelow(80_000)
    command = f"setsid sleep {seconds} > /dev/null 2>&1 < /dev/null & nohup sleep {seconds + 1} > /dev/null 2>&1 &"
    command += " sleep 0.2; echo started"

    # when
    printed = run_approved(chat, api, new_project(stack), command)

    # then: no process of the turn is left, whichever session or group it moved to
    assert "started" in printed
    sleeps = (f"sleep\0{seconds}\0".encode(), f"sleep\0{seconds + 1}\0".encode())
    assert wait_until(lambda: not _processes_running(sleeps), timeout=10, what="the sleeps to end")


def _processes_running(cmdlines: tuple[bytes, ...]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes() in cmdlines:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_projects_own_settings_hooks_and_mcp_servers_do_not_run(stack: LocalStack, api: FakeAnthropic, chat: Chat):
    # given a project whose files plant a hook, a key helper and an MCP server that would each leave a file
    project = new_project(stack)
    planted = {
        "hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": "touch hook-ran"}]}]},
        "apiKeyHelper": "touch helper-ran; echo sk-ant-planted",
    }
    save(stack, project, ".claude/settings.json", json.dumps(planted))
    mcp = {"mcpServers": {"planted": {"command": "sh", "args": ["-c", "touch mcp-ran; sleep 5"]}}}
    save(stack, project, ".mcp.json", json.dumps(mcp))
    api.script(Reply.text("Hello."))

    # when a chat runs there, in plan mode (nothing should run without approval)
    chat.send(project, "hello", permissionMode="plan")
    done = chat.turn_end()

    # then the files are there and did nothing
    assert done["type"] == "turn.done"
    assert exists(stack, project, ".mcp.json") and exists(stack, project, ".claude/settings.json")
    assert not [name for name in ("hook-ran", "helper-ran", "mcp-ran") if exists(stack, project, name)]
    assert api.message_requests[-1].headers["x-api-key"] == TEST_API_KEY


def test_one_users_transcripts_are_not_readable_in_another_users_job(stack: LocalStack, api: FakeAnthropic, chat: Chat):
    # given user X's conversation, with a private marker, in X's project
    private = f"X-PRIVATE-{secrets.token_hex(8)}"
    api.script(Reply.text("Understood."))
    chat.send(new_project(stack), f"remember {private}")
    chat.turn_end()
    y_token = new_user(stack, f"y{secrets.token_hex(4)}")
    y_chat = Chat(stack, token=y_token)
    try:
        # when Y's approved command looks through every user's home it can find
        users = f"{stack.sandbox_dir}/users"
        command = (
            f"ls -la {users} 2>&1; for d in {users}/*/; do ls -laR $d 2>&1 | head -50; done; "
            f"timeout 60 grep -rhoa {private} {users} 2>/dev/null | head; echo grep-done"
        )
        printed = run_approved(y_chat, api, new_project(stack, token=y_token), command)
    finally:
        y_chat.close()

    # then Y saw none of X's conversation
    assert "grep-done" in printed
    assert private not in printed
