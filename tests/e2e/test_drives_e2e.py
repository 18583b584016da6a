"""Cloud drives end to end: a WebDAV drive (rclone serve webdav) mounted into a project on the local stack.

The runner syncs it with rclone as the job's user; Claude (the real CLI against the fake API) reads a drive file
in a Bash step and writes one into the read-write mount; the drive going away degrades the mount with a reason,
and its return brings it back. No password reaches the data folder, the logs or an API answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_chat import Chat
from tests.e2e.test_sandbox_attacks import api_call, new_project
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, wait_until
from tests.support.webdav import WebDavServer

pytestmark = requires_claude
WAIT = 90
PASSWORD = "dav-pass-Zq7#e2e"


@pytest.fixture(scope="module")
def drive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDavServer]:
    root = Path(tmp_path_factory.mktemp("drive"))
    (root / "Reports").mkdir()
    (root / "Reports" / "q3.txt").write_text("Q3 revenue grew by 42 percent\n")
    (root / "handbook.md").write_text("# Handbook\n")
    with WebDavServer(root, username="team", password=PASSWORD) as server:
        yield server


@pytest.fixture(scope="module")
def mounted(stack: LocalStack, drive: WebDavServer) -> dict[str, Any]:
    """A read-write mount of the whole drive at `drive/` in a new project, after its first sync."""
    provider = api_call(
        stack, "POST", "/drives/providers", json={"providerType": "webdav", "displayName": "Team", "url": drive.url}
    )
    connection = api_call(
        stack,
        "POST",
        "/drives/connections",
        json={"providerId": provider["providerId"], "displayName": "Team", "username": "team", "password": PASSWORD},
    )
    assert connection["status"] == "authorized"
    project = new_project(stack)
    mount = api_call(
        stack,
        "POST",
        f"/projects/{project}/mounts",
        json={"connectionId": connection["connectionId"], "path": "drive", "accessMode": "read-write"},
    )
    health_of(stack, project, mount["mountId"], "mounted")
    return {"project": project, "mount": mount["mountId"]}


@pytest.fixture
def chat(stack: LocalStack) -> Iterator[Chat]:
    client = Chat(stack)
    yield client
    client.close()


def turn_with_approvals(chat: Chat, project: str, message: str) -> None:
    """One turn to its end, allowing whatever Claude asks to do (the CLI runs read-only commands unasked)."""
    chat.send(project, message)
    while True:
        event = chat.until(lambda e: e["type"] in ("permission.request", "turn.done", "error"), timeout=WAIT)
        if event["type"] != "permission.request":
            break
        chat.ws.send(json.dumps({"action": "chat.answer", "sessionId": event["sessionId"], "turn": event["turn"],
                                 "questionId": event["requestId"], "answer": "allow"}))  # fmt: skip
    assert event["type"] == "turn.done", event


def health_of(stack: LocalStack, project: str, mount_id: str, wanted: str) -> dict[str, Any]:
    def current() -> dict[str, Any] | None:
        [mount] = [m for m in api_call(stack, "GET", f"/projects/{project}/mounts") if m["mountId"] == mount_id]
        return mount if mount["healthStatus"] == wanted else None

    return dict(wait_until(current, timeout=WAIT, interval=0.5, what=f"the mount to be {wanted}"))


def tree_paths(stack: LocalStack, project: str) -> set[str]:
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if node.get("type") == "file":
            found.add(node["path"])
        for child in node.get("children") or []:
            walk(child)

    walk(api_call(stack, "GET", f"/projects/{project}/files/tree")["root"])
    return found


def test_the_drives_files_appear_in_the_projects_tree(stack: LocalStack, mounted: dict[str, Any]) -> None:
    assert {"drive/Reports/q3.txt", "drive/handbook.md"} <= tree_paths(stack, mounted["project"])


def test_claude_reads_a_drive_file_in_a_bash_step(
    stack: LocalStack, api: FakeAnthropic, chat: Chat, mounted: dict[str, Any]
) -> None:
    api.script(Reply.tool_use("Bash", {"command": "cat drive/Reports/q3.txt"}), Reply.text("Read it."))
    requests_before = len(api.message_requests)

    turn_with_approvals(chat, mounted["project"], "what does the Q3 report say?")

    (result,) = api.message_requests[requests_before + 1].tool_results()
    printed = json.dumps(result["content"])
    assert "Q3 revenue grew by 42 percent" in printed


def test_a_file_claude_writes_into_the_mount_reaches_the_drive(
    stack: LocalStack, api: FakeAnthropic, chat: Chat, drive: WebDavServer, mounted: dict[str, Any]
) -> None:
    # Given Claude writes a summary into the drive's folder (the person allows it if asked)
    api.script(Reply.write("drive/Summary.md", "# Summary\nRevenue is up.\n"), Reply.text("Written."))
    turn_with_approvals(chat, mounted["project"], "summarise the reports into the drive")

    # Then the turn's end pushed it to the drive, and the mount's last sync says so
    assert (drive.root / "Summary.md").read_text() == "# Summary\nRevenue is up.\n"
    mount = health_of(stack, mounted["project"], mounted["mount"], "mounted")
    assert mount["lastSync"]["pushed"] >= 1


def test_a_drive_that_goes_away_degrades_the_mount_and_its_return_recovers_it(
    stack: LocalStack, drive: WebDavServer, mounted: dict[str, Any]
) -> None:
    project, mount_id = mounted["project"], mounted["mount"]
    drive.stop()
    try:
        api_call(stack, "POST", f"/projects/{project}/mounts/{mount_id}/sync")
        degraded = health_of(stack, project, mount_id, "degraded")
        assert degraded["lastError"], degraded
        assert any(word in degraded["lastError"].lower() for word in ("reach", "refused", "connect")), degraded
    finally:
        drive.start()
    (drive.root / "Reports" / "q4.txt").write_text("Q4 plan\n")

    api_call(stack, "POST", f"/projects/{project}/mounts/{mount_id}/sync")

    recovered = health_of(stack, project, mount_id, "mounted")
    assert recovered["lastError"] is None
    wait_until(lambda: "drive/Reports/q4.txt" in tree_paths(stack, project), timeout=WAIT, what="q4.txt in the tree")


def test_the_drives_password_is_nowhere_in_plain_text(stack: LocalStack, mounted: dict[str, Any]) -> None:
    # The data folder (tables, objects, logs) and every answer about the drive
    leaked = [
        str(path) for path in stack.data_dir.rglob("*") if path.is_file() and PASSWORD.encode() in path.read_bytes()
    ]
    assert leaked == []
    answers = [
        requests.get(f"{stack.base_url}/api{route}", headers={"Authorization": f"Bearer {stack.admin_token()}"},
                     timeout=30).text
        for route in ("/drives/providers", "/drives/connections", f"/projects/{mounted['project']}/mounts")
    ]  # fmt: skip
    assert all(PASSWORD not in answer for answer in answers)
