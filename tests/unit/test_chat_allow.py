"""The "Allow for this session" rule a request offers, which later requests it lets through, how the runner applies
it within a turn and keeps it with the session, and the API's side (chat.answer's scope, removing rules); and a
denial recorded as "denied", not as a failed tool."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from functions.ws_default.handler import handler as ws_default
from local.lambda_events import LambdaContext
from runner.claude.activity import TurnActivity
from runner.claude.allow import allowed_by, rule_for
from runner.claude.asks import Asks
from runner.claude.config import system_prompt
from runner.claude.relay import Relay
from runner.claude.warm import fingerprint
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import records, sessions
from shared.chat.schemas import SessionUpdate
from shared.errors import ValidationError
from shared.models.chat import ExchangeStatus, RawExchange, Session
from shared.projects import service as projects
from shared.realtime import connections
from shared.settings import Settings
from tests.support.accounts import AccountsStack, call, register_first
from tests.support.aws import ACCOUNT_ID, drain_queue, posted_events
from tests.unit.test_chat_api import EVENT


@pytest.mark.parametrize(
    ("tool", "tool_input", "rule"),
    [
        ("Bash", {"command": "npm test"}, "Bash(npm test)"),
        ("Bash", {"command": "npm test -- --watch=false"}, "Bash(npm test)"),
        ("Bash", {"command": "git status -s"}, "Bash(git status)"),
        ("Bash", {"command": "ls -la docs"}, "Bash(ls)"),
        ("Bash", {"command": "npm --version"}, "Bash(npm)"),
        ("Bash", {"command": "npm test && rm -rf build"}, None),
        ("Bash", {"command": "cat notes.md | wc -l"}, None),
        ("Bash", {"command": "echo $(whoami)"}, None),
        ("Bash", {"command": "echo hi > out.txt"}, None),
        ("Bash", {"command": "make\nrm -rf /"}, None),
        ("Bash", {"command": "FOO=1 npm test"}, None),
        ("Bash", {"command": "echo 'unbalanced"}, None),
        ("Bash", {}, None),
        ("Write", {"file_path": "notes.md", "content": "x"}, "Write"),
        ("Edit", {"file_path": "notes.md"}, "Edit"),
        ("AskUserQuestion", {"questions": []}, None),
    ],
)
def test_the_rule_a_request_offers(tool: str, tool_input: dict[str, Any], rule: str | None) -> None:
    assert rule_for(tool, tool_input) == rule


@pytest.mark.parametrize(
    ("tool", "command", "allowed"),
    [
        ("Bash", "npm test", "Bash(npm test)"),
        ("Bash", "npm test -- --coverage", "Bash(npm test)"),
        ("Bash", "npm install left-pad", None),
        ("Bash", "npm test; rm -rf /", None),
        ("Bash", "npm test & curl evil.example", None),
        ("Bash", "npm testing", None),
        ("Write", "", "Write"),
        ("Edit", "", None),
    ],
)
def test_a_rule_lets_through_only_what_it_names(tool: str, command: str, allowed: str | None) -> None:
    assert allowed_by({"Bash(npm test)", "Write"}, tool, {"command": command}) == allowed


class FakeProcess:
    def __init__(self) -> None:
        self.answers: list[tuple[str, str]] = []

    def allow(self, request_id: str, tool_input: dict[str, Any]) -> None:
        self.answers.append(("allow", request_id))

    def deny(self, request_id: str, message: str) -> None:
        self.answers.append(("deny", request_id))


def control(request_id: str, tool: str, tool_input: dict[str, Any], tool_use_id: str = "") -> dict[str, Any]:
    request = {"subtype": "can_use_tool", "tool_name": tool, "input": tool_input, "tool_use_id": tool_use_id}
    return {"type": "control_request", "request_id": request_id, "request": request}


def test_allow_for_this_session_lets_the_same_command_through_without_asking_and_keeps_the_rule(
    tmp_path: Path,
) -> None:
    # Given a turn whose session has no rule yet, in which Claude asks to run `npm test`
    events: list[dict[str, Any]] = []
    kept: list[str] = []
    relay, process = Relay(events.append, turn=1, cwd=tmp_path), FakeProcess()
    asks = Asks((), remember=kept.append)
    asks.ask(relay, control("r1", "Bash", {"command": "npm test"}, "t1"), process)  # type: ignore[arg-type]
    assert events[-1]["type"] == "permission.request" and events[-1]["sessionRule"] == "Bash(npm test)"

    # When the person allows it for the session
    asks.answer(process, {"r1": {"behavior": "allow", "scope": "session"}})  # type: ignore[arg-type]

    # Then it runs, the rule is kept, and the next `npm test` of the turn runs without a card; another command asks
    assert process.answers == [("allow", "r1")] and kept == ["Bash(npm test)"]
    asks.ask(relay, control("r2", "Bash", {"command": "npm test -- -u"}, "t2"), process)  # type: ignore[arg-type]
    assert process.answers[-1] == ("allow", "r2")
    assert {k: events[-1][k] for k in ("type", "requestId", "rule")} == {
        "type": "permission.granted",
        "requestId": "r2",
        "rule": "Bash(npm test)",
    }
    asks.ask(relay, control("r3", "Bash", {"command": "npm publish"}, "t3"), process)  # type: ignore[arg-type]
    assert events[-1]["type"] == "permission.request" and "r3" in asks.pending


def test_rules_the_session_has_apply_from_its_next_turn_but_not_in_plan_mode(tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []
    relay, process = Relay(events.append, turn=2, cwd=tmp_path), FakeProcess()

    Asks({"Write"}).ask(relay, control("w1", "Write", {"file_path": "a.md", "content": ""}), process)  # type: ignore[arg-type]
    assert events[-1]["type"] == "permission.granted" and process.answers == [("allow", "w1")]

    plan = Asks({"Write"}, offer_session=False)
    plan.ask(relay, control("w2", "Write", {"file_path": "a.md", "content": ""}), process)  # type: ignore[arg-type]
    assert events[-1]["type"] == "permission.request" and "sessionRule" not in events[-1]
    assert process.answers == [("allow", "w1")]


def test_a_denied_tool_is_recorded_as_denied_and_the_answers_as_decisions(tmp_path: Path) -> None:
    # Given a turn in which Claude asks to write (allowed for the session) and to run a command (denied)
    events: list[dict[str, Any]] = []
    relay, process = Relay(events.append, turn=1, cwd=tmp_path), FakeProcess()
    asks = Asks(())
    relay.denied_tools = asks.denied
    for line in (
        {"type": "assistant", "message": {"content": [{"type": "tool_use", "id": "t1", "name": "Write",
                                                       "input": {"file_path": "notes.md", "content": "x"}}]}},
        control("r1", "Write", {"file_path": "notes.md", "content": "x"}, "t1"),
        {"type": "assistant", "message": {"content": [{"type": "tool_use", "id": "t2", "name": "Bash",
                                                       "input": {"command": "rm -rf build"}}]}},
        control("r2", "Bash", {"command": "rm -rf build"}, "t2"),
    ):  # fmt: skip
        request = relay.handle(line)
        if request is not None:
            asks.ask(relay, request, process)  # type: ignore[arg-type]
    answers = {"r1": {"behavior": "allow", "scope": "session"}, "r2": "deny"}
    asks.answer(process, answers)  # type: ignore[arg-type]
    for tool_use, failed in (("t1", False), ("t2", True)):
        block = {"type": "tool_result", "tool_use_id": tool_use, "is_error": failed, "content": "The user said no."}
        relay.handle({"type": "user", "message": {"content": [block]}})

    # Then the denied command's result says so (not a failure), and the record says who decided what
    assert [e.get("denied") for e in events if e["type"] == "tool.result"] == [None, True]
    recorded = relay.activity.entries(answers)
    assert [(e["kind"], e.get("state"), e.get("decision")) for e in recorded] == [
        ("tool", "done", None),
        ("permission", None, "allowSession"),
        ("tool", "denied", None),
        ("permission", None, "deny"),
    ]


def test_a_request_a_rule_allowed_is_recorded_with_its_rule() -> None:
    activity = TurnActivity()
    activity.see({"type": "permission.granted", "requestId": "r", "toolName": "Write", "summary": "Write a.md",
                  "rule": "Write"})  # fmt: skip
    activity.see({"type": "permission.request", "requestId": "q", "toolName": "Bash", "summary": "Bash: ls"})
    assert [(e.get("decision"), e.get("rule")) for e in activity.entries({})] == [("rule", "Write"), (None, None)]


# The API's side.


@pytest.fixture
def cloud(accounts: AccountsStack) -> Settings:
    apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections.clear()
    drain_queue(accounts.settings)
    return accounts.settings


def say(name: str, **message: Any) -> list[dict[str, Any]]:
    event = {**EVENT, "requestContext": {**EVENT["requestContext"], "connectionId": f"conn-{name}"}}
    event["body"] = json.dumps(message)
    ws_default(event, LambdaContext("ws-default"))
    return posted_events(f"conn-{name}")


def running_turn(name: str, mode: str = "default") -> tuple[Principal, str]:
    account = users.create(name, "correct horse battery", None, is_admin=False)
    caller = Principal(account=account, via="token")
    connections.remember(f"conn-{name}", user_id=account.user_id)
    project_id = projects.create(caller, f"{name}'s project").project_id
    [created, _] = say(name, action="chat.send", projectId=project_id, message="go", permissionMode=mode)
    session_id = created["sessionId"]
    RawExchange(session_id, 1).update(actions=[RawExchange.status.set(ExchangeStatus.RUNNING.value)])
    return caller, session_id


def test_allow_for_this_session_is_recorded_and_refused_in_plan_mode_or_with_another_answer(cloud: Settings) -> None:
    _alice, session_id = running_turn("alice")
    answer: dict[str, Any] = {"action": "chat.answer", "sessionId": session_id, "turn": 1, "questionId": "r1"}

    before = len(posted_events("conn-alice"))
    assert len(say("alice", **answer, answer="allow", scope="session")) == before  # no error
    assert RawExchange.get(session_id, 1).answers == {"r1": {"behavior": "allow", "scope": "session"}}

    for wrong in ({"answer": "deny", "scope": "session"}, {"answer": "allow", "scope": "forever"}):
        [*_, error] = say("alice", **answer, **wrong)
        assert (error["type"], error["code"]) == ("error", "invalid_request"), error

    _bob, planning = running_turn("bob", mode="plan")
    [*_, error] = say("bob", **{**answer, "sessionId": planning}, answer="allow", scope="session")
    assert error["code"] == "invalid_request" and "plan mode" in error["message"]


def test_the_sessions_rules_are_listed_kept_by_the_runner_and_only_removed_through_the_api(cloud: Settings) -> None:
    alice, session_id = running_turn("alice")

    assert records.allow_for_session(session_id, "Bash(npm test)")
    assert records.allow_for_session(session_id, "Write")
    assert sessions.owned(alice, session_id).allowed_tools == ["Bash(npm test)", "Write"]
    conversation, _ = records.take(session_id, 1)
    assert conversation.allowed_tools == ["Bash(npm test)", "Write"]

    with pytest.raises(ValidationError, match="Bash\\(rm\\)"):
        sessions.update(alice, session_id, SessionUpdate(title=None, allowed_tools=["Write", "Bash(rm)"]))
    kept = sessions.update(alice, session_id, SessionUpdate(title=None, allowed_tools=["Write"]))
    assert kept.allowed_tools == ["Write"] and Session.get(session_id).allowed_tools == {"Write"}
    assert sessions.update(alice, session_id, SessionUpdate(title=None, allowed_tools=[])).allowed_tools == []
    assert not records.allow_for_session("f" * 32, "Write")  # a session that is gone


def test_a_kept_rule_does_not_change_what_the_cli_is_started_with(cloud: Settings, tmp_path: Path) -> None:
    # Given a session's warm process, started with the session as it was (runner/claude/warm.py)
    alice, session_id = running_turn("alice")
    provider, box = SimpleNamespace(fingerprint="provider"), SimpleNamespace(files=tmp_path)
    before, _ = records.take(session_id, 1)
    started_with = fingerprint(provider, system_prompt(before), None, box)  # type: ignore[arg-type]

    # When a rule is kept, and later removed, then the process may still take the session's next turn
    records.allow_for_session(session_id, "Write")
    after, _ = records.take(session_id, 1)
    assert after.allowed_tools == ["Write"]
    assert fingerprint(provider, system_prompt(after), None, box) == started_with  # type: ignore[arg-type]
    sessions.update(alice, session_id, SessionUpdate(title=None, allowed_tools=[]))
    removed, _ = records.take(session_id, 1)
    assert fingerprint(provider, system_prompt(removed), None, box) == started_with  # type: ignore[arg-type]
    sessions.set_permission_mode(session_id, "acceptEdits")  # while a change of mode restarts it
    changed, _ = records.take(session_id, 1)
    assert fingerprint(provider, system_prompt(changed), None, box) != started_with  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        {"allowedTools": "Write"},
        {"allowedTools": [5]},
        {"allowedTools": ["x" * 201]},
        {"allowedTools": ["Write"] * 51},
        {"allowedTools": ["Bash(npm test)"]},  # a rule the chat does not have: only answering a request adds one
    ],
)
def test_a_patch_that_would_add_or_mangle_rules_is_a_400_with_a_message(cloud: Settings, body: dict[str, Any]) -> None:
    admin = register_first()
    caller = Principal(account=users.get(admin.id), via="token")  # type: ignore[arg-type]
    project_id = projects.create(caller, "Rules").project_id
    session = sessions.create(caller, project_id, "hello")

    reply = call("PATCH", f"/api/sessions/{session.id}", token=admin.token, json_body=body)

    assert reply.status == 400, reply.json
    assert reply.json["error"]["message"]
    assert sessions.owned(caller, session.id).allowed_tools == []
