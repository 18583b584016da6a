"""Chat end to end: the real Claude Code CLI on the runner, against a scripted fake Messages API."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from websockets.sync.client import ClientConnection, connect

from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

WAIT = 60
pytestmark = requires_claude
END = {"turn.done", "error", "turn.aborted"}


@pytest.fixture
def project(stack: LocalStack, api: FakeAnthropic) -> str:
    api.script()  # nothing left over from another test
    response = requests.post(
        f"{stack.base_url}/api/projects",
        json={"name": f"project {time.monotonic_ns()}"},
        headers={"Authorization": f"Bearer {stack.admin_token()}"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


class Chat:
    """A WebSocket client that behaves as the SPA does: keeps events in `seq` order per session, drops
    duplicates, passes over the numbers a `seq.skipped` event covers, and asks for a replay (session.resume) when
    it sees a gap."""

    def __init__(self, stack: LocalStack, *, token: str | None = None) -> None:
        url = f"{stack.ws_url}?token={token}" if token else stack.authed_ws_url()
        self._connection = connect(url, max_size=2**20)
        self.ws: ClientConnection = self._connection.__enter__()
        self.events: list[dict[str, Any]] = []
        self.last_seq: dict[str, int] = {}
        self._held: dict[str, dict[int, dict[str, Any]]] = {}
        self._resuming: set[str] = set()

    def send(self, project_id: str | None = None, message: str = "hello", **fields: Any) -> None:
        payload = {"action": "chat.send", "message": message, **fields}
        if project_id:
            payload["projectId"] = project_id
        self.ws.send(json.dumps(payload))

    def resume(self, session_id: str, last_seq: int) -> None:
        self.last_seq[session_id] = last_seq
        self._resuming.add(session_id)
        self.ws.send(json.dumps({"action": "session.resume", "sessionId": session_id, "lastSeq": last_seq}))

    def _accept(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The events this one releases, in order (none for a duplicate or an event after a gap)."""
        session_id, seq = event.get("sessionId"), event.get("seq")
        if event.get("type") == "session.resumed":
            self._resuming.discard(str(session_id))
        if session_id is None or seq is None:
            return [event]
        last = self.last_seq.get(session_id, 0)
        held = self._held.setdefault(session_id, {})
        if seq <= last or seq in held:
            return []
        held[seq] = event
        released = []
        while last + 1 in held:
            event = held.pop(last + 1)
            last = max(last + 1, event.get("through", 0))  # a seq.skipped event covers the numbers up to `through`
            if event["type"] != "seq.skipped":
                released.append(event)
        for stale in [n for n in held if n <= last]:
            del held[stale]
        self.last_seq[session_id] = last
        if held and session_id not in self._resuming:
            self.resume(session_id, last)
        return released

    def until(self, condition: Any, timeout: float = WAIT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self._accept(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))):
                self.events.append(event)
                if condition(event):
                    return event
        raise AssertionError(f"no matching event within {timeout} s; got {self.events[-10:]}")

    def turn_end(self, turn: int = 1) -> dict[str, Any]:
        return self.until(lambda e: e.get("type") in END and e.get("turn") == turn)

    def text(self, turn: int = 1) -> str:
        return "".join(e["text"] for e in self.events if e.get("type") == "text.delta" and e.get("turn") == turn)

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


@pytest.fixture
def chat(stack: LocalStack) -> Iterator[Chat]:
    client = Chat(stack)
    yield client
    client.close()


def test_streamed_text_reaches_the_client_in_order_with_the_turns_usage(chat: Chat, api: FakeAnthropic, project: str):
    api.script(Reply.text(["Hello", ", ", "world", "!"], delay=0.05))

    chat.send(project, "Say hello", clientMessageId="c1")
    done = chat.turn_end()

    types = [e["type"] for e in chat.events]
    assert types[:3] == ["session.created", "message.accepted", "turn.started"]
    assert done["type"] == "turn.done" and done["status"] == "completed"
    assert chat.text() == "Hello, world!"
    assert done["usage"]["outputTokens"] > 0 and done["costUsd"] > 0
    seqs = [e["seq"] for e in chat.events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert "Sasha Studio project" in api.message_requests[-1].system_text


def test_a_write_the_user_approves_lands_in_the_projects_storage(
    chat: Chat, stack: LocalStack, api: FakeAnthropic, project: str
):
    api.script(Reply.write("notes.md", "# Notes\n"), Reply.text("Written."))

    chat.send(project, "write notes")
    ask = chat.until(lambda e: e["type"] == "permission.request")
    chat.ws.send(
        json.dumps(
            {
                "action": "chat.answer",
                "sessionId": ask["sessionId"],
                "turn": 1,
                "questionId": ask["requestId"],
                "answer": "allow",
            }
        )
    )
    done = chat.turn_end()

    assert ask["toolName"] == "Write" and ask["summary"] == "Write notes.md"
    assert done["type"] == "turn.done"
    body = stack.client("s3").get_object(Bucket="studio-workspace", Key=f"projects/{project}/files/notes.md")["Body"]
    assert body.read() == b"# Notes\n"

    # and the history keeps what Claude did and what the user decided, for a chat opened later
    history = requests.get(
        f"{stack.base_url}/api/sessions/{ask['sessionId']}/turns",
        headers={"Authorization": f"Bearer {stack.admin_token()}"},
        timeout=30,
    ).json()
    activity = history["turns"][0]["activity"]
    tool = next(entry for entry in activity if entry["kind"] == "tool")
    permission = next(entry for entry in activity if entry["kind"] == "permission")
    assert (tool["name"], tool["summary"], tool["state"]) == ("Write", "Write notes.md", "done")
    assert (permission["tool"], permission["summary"], permission["decision"]) == ("Write", "Write notes.md", "allow")
    assert history["turns"][0]["response"] == "Written."


def test_accept_edits_writes_without_asking(chat: Chat, stack: LocalStack, api: FakeAnthropic, project: str):
    api.script(Reply.write("plan.md", "steps\n"), Reply.text("Done."))

    chat.send(project, "write the plan", permissionMode="acceptEdits")
    done = chat.turn_end()

    assert done["type"] == "turn.done"
    assert not [e for e in chat.events if e["type"] == "permission.request"]
    assert [e["summary"] for e in chat.events if e["type"] == "tool.use"] == ["Write plan.md"]
    key = f"projects/{project}/files/plan.md"
    assert stack.client("s3").get_object(Bucket="studio-workspace", Key=key)["Body"].read() == b"steps\n"


@pytest.mark.parametrize(("status", "code"), [(401, "claude_auth_failed"), (500, "claude_api_error")])
def test_an_api_error_becomes_an_error_event(chat: Chat, api: FakeAnthropic, project: str, status: int, code: str):
    api.script(Reply.http_error(status))

    chat.send(project, "hello")
    end = chat.turn_end()

    assert (end["type"], end["code"]) == ("error", code)
    assert end["message"]


def test_abort_stops_a_turn_in_progress(chat: Chat, api: FakeAnthropic, project: str):
    api.script(Reply.stall(["Thinking about "]))

    chat.send(project, "a long task")
    first = chat.until(lambda e: e["type"] == "text.delta")
    chat.ws.send(json.dumps({"action": "chat.abort", "sessionId": first["sessionId"]}))
    end = chat.turn_end()

    assert end["type"] == "turn.aborted"


def test_two_quick_messages_in_one_session_run_in_order(chat: Chat, api: FakeAnthropic, project: str):
    api.script(Reply.text(["first answer"], delay=0.3), Reply.text(["second answer"]))

    chat.send(project, "one")
    created = chat.until(lambda e: e["type"] == "session.created")
    chat.send(message="two", sessionId=created["sessionId"])
    chat.turn_end(1)
    chat.turn_end(2)

    accepted = [e for e in chat.events if e["type"] == "message.accepted"]
    assert [(e["turn"], e["queued"]) for e in accepted] == [(1, False), (2, True)]
    assert (chat.text(1), chat.text(2)) == ("first answer", "second answer")
    assert "first answer" in json.dumps(api.message_requests[-1].messages)  # turn 2 resumed turn 1


def test_a_client_that_reconnects_mid_stream_gets_the_whole_answer_exactly_once(
    stack: LocalStack, api: FakeAnthropic, project: str
):
    chunks = [f"part {n}. " for n in range(12)]
    api.script(Reply.text(chunks, delay=0.1))
    first = Chat(stack)
    first.send(project, "tell me a story")
    delta = first.until(lambda e: e["type"] == "text.delta")
    session_id, last_seen = delta["sessionId"], first.last_seq[delta["sessionId"]]
    first.close()  # a dropped connection mid-stream

    second = Chat(stack)
    second.resume(session_id, last_seen)
    second.turn_end()
    second.close()

    events = first.events + second.events
    seqs = [e["seq"] for e in events if "seq" in e]
    assert seqs == list(range(1, seqs[-1] + 1))  # every event exactly once, in order
    assert "".join(e["text"] for e in events if e["type"] == "text.delta") == "".join(chunks)


def test_ten_concurrent_sessions_do_not_cross_talk(stack: LocalStack, api: FakeAnthropic, project: str):
    api.script(*[Reply.text([f"answer {n}"], delay=0.05).when_last_user_contains(f"question {n}") for n in range(10)])
    clients = [Chat(stack) for _ in range(10)]
    errors: list[BaseException] = []

    def converse(n: int) -> None:
        try:
            clients[n].send(project, f"question {n}")
            clients[n].turn_end()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=converse, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)

    assert errors == []
    for n, client in enumerate(clients):
        own = {e["sessionId"] for e in client.events if "sessionId" in e}
        assert client.text() == f"answer {n}"
        assert len(own) == 1
        client.close()


def _claude_processes(stack: LocalStack) -> list[int]:
    """Processes working inside the stack's project workspaces (the CLI and anything it started)."""
    found = []
    workspaces = str(stack.sandbox_dir / "projects")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(Path(entry / "cwd").readlink()).startswith(workspaces):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_killed_cli_becomes_an_error_event_not_a_hang(
    chat: Chat, stack: LocalStack, api: FakeAnthropic, project: str
):
    api.script(Reply.stall(["Working on "]))

    chat.send(project, "a long task")
    chat.until(lambda e: e["type"] == "text.delta")
    for pid in _claude_processes(stack):
        os.kill(pid, signal.SIGKILL)
    end = chat.turn_end()

    assert (end["type"], end["code"]) == ("error", "claude_crashed")
    api.release()


def test_a_question_claude_asks_is_answered_with_a_choice(chat: Chat, api: FakeAnthropic, project: str):
    question = {
        "question": "Which database should the project use?",
        "header": "Database",
        "options": [
            {"label": "PostgreSQL", "description": "relational"},
            {"label": "DynamoDB", "description": "NoSQL"},
        ],
        "multiSelect": False,
    }
    api.script(Reply.tool_use("AskUserQuestion", {"questions": [question]}), Reply.text("Going with DynamoDB."))

    chat.send(project, "set up storage")
    asked = chat.until(lambda e: e["type"] in ("question", "permission.request"))
    chat.ws.send(
        json.dumps(
            {
                "action": "chat.answer",
                "sessionId": asked["sessionId"],
                "turn": 1,
                "questionId": asked["requestId"],
                "answer": {question["question"]: "DynamoDB"},
            }
        )
    )
    done = chat.turn_end()

    assert asked["type"] == "question"
    assert [o["label"] for o in asked["questions"][0]["options"]] == ["PostgreSQL", "DynamoDB"]
    assert done["type"] == "turn.done"
    assert "DynamoDB" in json.dumps(api.message_requests[-1].tool_results())
