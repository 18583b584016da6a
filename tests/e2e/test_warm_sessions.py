"""Warm sessions end to end: a session's CLI process kept between turns, prewarmed, evicted, killed with its runner."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from runner.claude.process import resident_bytes
from tests.e2e.test_chat import END, Chat
from tests.e2e.test_spa_chat import answer_of, expect_done, open_chat_in, send, turn
from tests.support.claude import claude_env, requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, wait_until

pytestmark = requires_claude
IDLE_SECONDS = 6
TURN_TIMEOUT_SECONDS = 25


@pytest.fixture(scope="module")
def stack(api: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {
        **claude_env(api),
        "STUDIO_WARM_IDLE_SECONDS": str(IDLE_SECONDS),
        "STUDIO_CHAT_TURN_TIMEOUT_SECONDS": str(TURN_TIMEOUT_SECONDS),
    }
    started = LocalStack(Path(tmp_path_factory.mktemp("warm-stack")), env=env).start()
    try:
        yield started
    finally:
        started.stop()


def new_project(stack: LocalStack) -> str:
    response = requests.post(
        f"{stack.base_url}/api/projects",
        json={"name": f"warm {time.monotonic_ns()}"},
        headers={"Authorization": f"Bearer {stack.admin_token()}"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


@pytest.fixture
def project(stack: LocalStack, api: FakeAnthropic) -> str:
    api.script()
    return new_project(stack)


@pytest.fixture
def chat(stack: LocalStack) -> Iterator[Chat]:
    client = Chat(stack)
    yield client
    client.close()


def cli_processes(stack: LocalStack, project_id: str | None = None) -> set[int]:
    """The pids of the stack's Claude CLI processes (in one project's folder, when given)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if b"--permission-prompt-tool" not in arguments or not cwd.startswith(str(stack.sandbox_dir)):
            continue
        if project_id is None or f"/projects/{project_id}/" in cwd + "/":
            found.add(int(entry.name))
    return found


def first_turn(chat: Chat, api: FakeAnthropic, project: str, text: str = "first answer") -> str:
    api.script(Reply.text([text]))
    chat.send(project, "remember the word tangerine")
    session_id = str(chat.until(lambda e: e["type"] == "session.created")["sessionId"])
    assert chat.turn_end(1)["type"] == "turn.done"
    return session_id


def follow_up(chat: Chat, api: FakeAnthropic, session_id: str, turn: int, message: str, *, timeout: float = 60) -> dict:
    api.script(Reply.text(["ok"]))
    before = len(api.message_requests)
    chat.send(message=message, sessionId=session_id)
    done = chat.until(lambda e: e.get("type") in END and e.get("turn") == turn, timeout=timeout)
    assert done["type"] == "turn.done", done
    return {"done": done, "request": api.message_requests[before]}


def test_a_follow_up_is_answered_by_the_process_that_answered_the_first_turn(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    session_id = first_turn(chat, api, project)
    [kept] = cli_processes(stack, project)  # alive between turns, and only one

    sent = follow_up(chat, api, session_id, 2, "what was the word?")

    assert cli_processes(stack, project) == {kept}
    history = json.dumps(sent["request"].messages)
    assert "tangerine" in history and "first answer" in history  # the conversation went on in the same process


def test_a_persona_chosen_between_turns_applies_to_the_next_one(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    session_id = first_turn(chat, api, project)
    [kept] = cli_processes(stack, project)
    headers = {"Authorization": f"Bearer {stack.admin_token()}"}
    marker = f"persona-{time.monotonic_ns()}"
    persona = requests.post(
        f"{stack.base_url}/api/personas",
        json={"name": marker, "prompt": f"You are {marker}."},
        headers=headers,
        timeout=30,
    )
    persona.raise_for_status()
    requests.patch(
        f"{stack.base_url}/api/sessions/{session_id}",
        json={"personaId": persona.json()["id"]},
        headers=headers,
        timeout=30,
    ).raise_for_status()

    sent = follow_up(chat, api, session_id, 2, "and now?")

    assert marker in sent["request"].system_text
    assert "tangerine" in json.dumps(sent["request"].messages)  # a new process, resuming the conversation
    [restarted] = cli_processes(stack, project)
    assert restarted != kept
    third = follow_up(chat, api, session_id, 3, "once more")  # nothing changed since: the same process answers
    assert marker in third["request"].system_text
    assert cli_processes(stack, project) == {restarted}


def test_a_session_evicted_after_its_idle_time_resumes_its_conversation(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    session_id = first_turn(chat, api, project)
    assert cli_processes(stack, project)

    wait_until(lambda: not cli_processes(stack, project), timeout=IDLE_SECONDS * 4, what="the idle process to close")
    sent = follow_up(chat, api, session_id, 2, "what was the word?")

    assert "tangerine" in json.dumps(sent["request"].messages)
    assert len(cli_processes(stack, project)) == 1


def test_an_aborted_warm_turn_leaves_one_usable_process(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    session_id = first_turn(chat, api, project)
    api.script(Reply.stall(["thinking about it "]))
    chat.send(message="take your time", sessionId=session_id)
    chat.until(lambda e: e["type"] == "text.delta" and e.get("turn") == 2)

    chat.ws.send(json.dumps({"action": "chat.abort", "sessionId": session_id}))

    assert chat.turn_end(2)["type"] == "turn.aborted"
    sent = follow_up(chat, api, session_id, 3, "what was the word?")
    assert "tangerine" in json.dumps(sent["request"].messages)
    assert len(cli_processes(stack, project)) == 1


def test_a_warm_turn_that_times_out_is_closed_and_the_next_turn_starts_afresh_from_the_conversation(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    session_id = first_turn(chat, api, project)
    [kept] = cli_processes(stack, project)
    api.script(Reply.stall(["still going "]))
    chat.send(message="this will hang", sessionId=session_id)

    ended = chat.turn_end(2)

    assert (ended["type"], ended.get("code")) == ("error", "timeout")
    assert kept not in cli_processes(stack, project)
    sent = follow_up(chat, api, session_id, 3, "what was the word?")
    assert "tangerine" in json.dumps(sent["request"].messages)
    assert len(cli_processes(stack, project)) == 1


def test_a_new_chat_prewarmed_from_the_composer_is_answered_by_the_process_started_for_it(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    chat.ws.send(json.dumps({"action": "chat.prewarm", "projectId": project}))
    reserved = chat.until(lambda e: e["type"] == "session.prewarming")
    assert reserved["new"] is True and reserved["projectId"] == project
    [prewarmed] = wait_until(lambda: cli_processes(stack, project), timeout=60, what="the prewarmed process")

    api.script(Reply.text(["hello from a warm start"]))
    chat.send(project, "hello", newSessionId=reserved["sessionId"])

    assert chat.until(lambda e: e["type"] == "session.created")["sessionId"] == reserved["sessionId"]
    assert chat.turn_end(1)["type"] == "turn.done"
    assert chat.text(1) == "hello from a warm start"
    assert cli_processes(stack, project) == {prewarmed}


def test_an_open_session_is_prewarmed_after_its_process_was_closed(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    session_id = first_turn(chat, api, project)
    wait_until(lambda: not cli_processes(stack, project), timeout=IDLE_SECONDS * 4, what="the idle process to close")

    chat.ws.send(json.dumps({"action": "chat.prewarm", "sessionId": session_id}))

    assert chat.until(lambda e: e["type"] == "session.prewarming")["new"] is False
    [prewarmed] = wait_until(lambda: cli_processes(stack, project), timeout=60, what="the prewarmed process")
    sent = follow_up(chat, api, session_id, 2, "what was the word?")
    assert "tangerine" in json.dumps(sent["request"].messages)
    assert cli_processes(stack, project) == {prewarmed}


def test_prewarm_refuses_someone_elses_session_and_bad_input(stack: LocalStack, chat: Chat):
    for body, code in (
        ({"sessionId": "0" * 32}, "session_not_found"),
        ({}, "invalid_request"),
        ({"projectId": "no-such-project"}, "project_not_found"),
    ):
        chat.ws.send(json.dumps({"action": "chat.prewarm", **body}))
        error = chat.until(lambda e: e["type"] == "error")
        assert error["code"] == code, error
        chat.events.clear()


def test_a_runner_killed_with_warm_sessions_loses_no_turn(
    stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str
):
    session_id = first_turn(chat, api, project)
    runner = stack.info()["children"]["runner"]

    os.kill(runner, signal.SIGKILL)
    wait_until(lambda: stack.info()["children"]["runner"] != runner, timeout=60, what="the runner's restart")
    # The dead runner's last message holds the session's FIFO group until its visibility runs out (60 s).
    sent = follow_up(chat, api, session_id, 2, "what was the word?", timeout=150)

    assert "tangerine" in json.dumps(sent["request"].messages)  # resumed by the new runner from the transcript
    assert len(cli_processes(stack, project)) == 1


def test_ten_sessions_on_one_runner_stay_within_the_memory_budget(api: FakeAnthropic, tmp_path: Path):
    budget_mb = 600  # an idle CLI holds 150-200 MB: fewer than ten fit
    env = {**claude_env(api), "STUDIO_WARM_MEMORY_MB": str(budget_mb), "STUDIO_WARM_SESSIONS": "10"}
    stack = LocalStack(tmp_path / "data", env=env).start()
    try:
        project = new_project(stack)
        api.script(Reply.text(["ok"], times=10))
        chats = [Chat(stack) for _ in range(10)]
        for client in chats:
            client.send(project, "hello")
        for client in chats:
            assert client.turn_end(1)["type"] == "turn.done"
            client.close()

        def within_budget() -> set[int]:
            kept = cli_processes(stack, project)
            return kept if 0 < sum(resident_bytes(pid) for pid in kept) <= budget_mb * 1024 * 1024 else set()

        kept = wait_until(within_budget, timeout=30, what="the kept processes within the budget")
        assert 0 < len(kept) < 10
    finally:
        stack.stop()


def test_a_turn_waiting_for_a_runner_says_that_a_workspace_is_starting(
    page: Page, stack: LocalStack, api: FakeAnthropic
):
    open_chat_in(page, stack, "Starting")
    runner = stack.info()["children"]["runner"]
    api.script(Reply.text(["hello after the wait"]))

    os.kill(runner, signal.SIGSTOP)  # as if no runner task were running yet
    try:
        send(page, "hello")
        pending = turn(page, 1).locator(".msg-pending")
        expect(pending).to_contain_text("Starting a workspace for Claude…", timeout=15_000)
        expect(pending.locator(".msg-elapsed")).to_have_text(re.compile(r"^ \d+ s$"))
    finally:
        os.kill(runner, signal.SIGCONT)

    expect_done(page, 1)
    expect(answer_of(page, 1)).to_have_text("hello after the wait")
