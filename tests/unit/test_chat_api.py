"""Chat over the WebSocket, the API's side: sessions, numbered events, queued turns, resume, abort."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from pynamodb.exceptions import PutError

from functions.ws_default.handler import handler as ws_default
from local.lambda_events import LambdaContext
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import prompts, records, turns
from shared.chat.schemas import GuideIn, PersonaIn
from shared.models.admin import Setting
from shared.models.chat import ExchangeStatus, RawExchange, Session, SessionEvent
from shared.models.connections import Connection
from shared.models.jobs import Job, RunnerLease
from shared.models.projects import Project, ProjectMember, ProjectRole
from shared.projects import service as projects
from shared.realtime import connections
from shared.settings import Settings
from tests.support.accounts import AccountsStack
from tests.support.aws import ACCOUNT_ID, aws_calls, drain_queue, posted_events, queued_messages, table_of
from tests.support.imports import loaded_after

EVENT = {
    "requestContext": {
        "routeKey": "$default",
        "eventType": "MESSAGE",
        "requestId": "req-1",
        "requestTimeEpoch": 1,
        "stage": "test",
        "domainName": "example.test",
        "apiId": "api",
    },
    "isBase64Encoded": False,
}


@pytest.fixture
def cloud(accounts: AccountsStack) -> Settings:
    """Every table, emptied after each test, and an empty record of what was posted to connections."""
    apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections.clear()
    drain_queue(accounts.settings)
    return accounts.settings


def person(name: str) -> tuple[Principal, str]:
    """A user with one open connection (named after them) and a project."""
    account = users.create(name, "correct horse battery", None, is_admin=False)
    caller = Principal(account=account, via="token")
    connections.remember(f"conn-{name}", user_id=account.user_id)
    return caller, projects.create(caller, f"{name}'s project").project_id


def say(name: str, **message: Any) -> list[dict[str, Any]]:
    event = {**EVENT, "requestContext": {**EVENT["requestContext"], "connectionId": f"conn-{name}"}}
    event["body"] = json.dumps(message)
    ws_default(event, LambdaContext("ws-default"))
    return posted_events(f"conn-{name}")


def test_the_first_message_creates_the_session_and_queues_the_turn(cloud: Settings) -> None:
    _alice, project_id = person("alice")

    events = say("alice", action="chat.send", projectId=project_id, message="Summarise the notes", clientMessageId="m1")

    created, accepted = events
    assert created["type"] == "session.created"
    assert created["title"] == "Summarise the notes"
    assert accepted["type"] == "message.accepted"
    assert (accepted["turn"], accepted["clientMessageId"], accepted["queued"]) == (1, "m1", False)
    assert [created["seq"], accepted["seq"]] == [1, 2]
    session = Session.get(created["sessionId"])
    exchange = RawExchange.get(session.session_id, 1)
    assert exchange.status == ExchangeStatus.QUEUED
    job = Job.get(exchange.job_id)
    assert (job.job_type, job.group_id) == ("chat.turn", f"session-{session.session_id}")
    assert len(queued_messages(cloud)) == 1


def test_a_new_chat_takes_the_settings_chosen_before_its_first_message(cloud: Settings) -> None:
    alice, project_id = person("alice")
    persona = prompts.save_persona(alice, PersonaIn(name="Analyst", prompt="Be careful."))
    guide = prompts.save_guide(alice, GuideIn(name="Style", body="Keep it short."))

    # A persona or guides that are not the caller's are refused, and no chat is started
    say("alice", action="chat.send", projectId=project_id, message="hi", personaId="0" * 32)
    refused = say("alice", action="chat.send", projectId=project_id, message="hi", guideIds="all")
    assert [e["code"] for e in refused] == ["persona_not_found", "invalid_request"]
    assert Session.count() == 0

    chosen = {"personaId": persona.id, "guideIds": [guide.id], "permissionMode": "plan"}
    created = say("alice", action="chat.send", projectId=project_id, message="Plan the quarter", **chosen)[-2]

    session = Session.get(created["sessionId"])
    assert (session.persona_id, session.guide_ids, session.permission_mode) == (persona.id, {guide.id}, "plan")


def test_a_second_message_while_the_first_waits_is_queued_behind_it(cloud: Settings) -> None:
    _alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="one")

    events = say("alice", action="chat.send", sessionId=created["sessionId"], message="two")

    second = events[-1]
    assert (second["type"], second["turn"], second["queued"], second["seq"]) == ("message.accepted", 2, True, 3)


def test_a_follow_up_to_a_turn_that_ended_does_not_ask_whether_one_is_still_open(cloud: Settings) -> None:
    _alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="one")
    session_id = created["sessionId"]
    # Given the first turn ended, as the runner ends a turn
    conversation, pending = records.take(session_id, 1)
    done = records.Finished(status=ExchangeStatus.COMPLETED, duration_ms=5, response_text="ok")
    records.finish(conversation, pending, done)
    seen = len(posted_events("conn-alice"))

    # When she sends a follow-up, then it is not queued, and the turns were not asked whether one is open
    with aws_calls() as calls:
        [second] = say("alice", action="chat.send", sessionId=session_id, projectId=project_id, message="two")[seen:]
    assert (second["type"], second["turn"], second["queued"]) == ("message.accepted", 2, False)
    assert not [
        params
        for operation, params in calls
        if params.get("TableName") == table_of(RawExchange) and operation == "Query"
    ]
    assert "follows" not in Job.get(RawExchange.get(session_id, 2).job_id).payload

    # And one sent while that one is still open is asked about, and waits behind it
    [third] = say("alice", action="chat.send", sessionId=session_id, projectId=project_id, message="three")[seen + 1 :]
    assert (third["turn"], third["queued"]) == (3, True)
    assert Job.get(RawExchange.get(session_id, 3).job_id).payload["follows"] == 2


def test_a_new_chat_is_created_with_its_first_turn_numbered_and_followed_in_one_write(
    cloud: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _alice, project_id = person("alice")
    updates: list[Any] = []
    monkeypatch.setattr(Session, "update", lambda *args, **kwargs: updates.append(kwargs))

    created, accepted = say("alice", action="chat.send", projectId=project_id, message="Hello", clientMessageId="m1")

    session = Session.get(created["sessionId"])
    assert (session.message_count, session.last_seq, session.followers) == (1, 2, {"conn-alice"})
    assert (accepted["turn"], accepted["seq"], accepted["queued"]) == (1, 2, False)
    assert updates == []  # created whole: no write after it
    assert connections.following("conn-alice") == session.session_id


def test_a_follow_up_writes_its_session_once_and_a_new_tab_joins_in_that_write(
    cloud: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given alice's chat, and every write of a session counted
    alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="one", clientMessageId="m1")
    session_id = created["sessionId"]
    writes: list[Any] = []
    original = Session.update

    def counted(self: Session, *args: Any, **kwargs: Any) -> Any:
        writes.append(kwargs.get("actions"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Session, "update", counted)

    # When she sends a follow-up from the tab that follows the chat, then the session is written once: the turn's
    # number and the event's together
    [accepted] = say("alice", action="chat.send", projectId=project_id, sessionId=session_id, message="two")[2:]
    assert (accepted["type"], accepted["turn"], accepted["seq"]) == ("message.accepted", 2, 3)
    assert len(writes) == 1

    # When she sends one from a second tab, then that tab follows the chat from the same write and gets the event
    connections.remember("conn-alice-2", user_id=alice.user_id)
    event = {**EVENT, "requestContext": {**EVENT["requestContext"], "connectionId": "conn-alice-2"}}
    ws_default(
        {**event, "body": json.dumps({"action": "chat.send", "sessionId": session_id, "message": "three"})},
        LambdaContext("ws-default"),
    )
    assert len(writes) == 2
    assert [(e["type"], e["turn"], e["seq"]) for e in posted_events("conn-alice-2")] == [("message.accepted", 3, 4)]
    assert connections.following("conn-alice-2") == session_id
    assert {"conn-alice", "conn-alice-2"} <= set(Session.get(session_id).followers or ())
    assert [e["seq"] for e in posted_events("conn-alice")][-1] == 4  # the first tab follows too


def test_a_message_whose_announcement_fails_ends_failed_and_is_never_sent_to_a_runner(
    cloud: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given alice's chat, and connections that cannot be posted to just now
    _alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="one")
    drain_queue(cloud)

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the connections are unreachable")

    monkeypatch.setattr(turns.events, "deliver", unreachable)

    # When she sends a follow-up, then she is told it failed, and the turn and its job end failed, unsent
    [refused] = say("alice", action="chat.send", sessionId=created["sessionId"], message="two")[-1:]
    assert (refused["type"], refused["code"]) == ("error", "internal_error")
    exchange = RawExchange.get(created["sessionId"], 2)
    assert (exchange.status, exchange.error) == (ExchangeStatus.FAILED, turns.NOT_ANNOUNCED)
    assert Job.get(exchange.job_id).status == "failed"
    assert queued_messages(cloud) == []


def test_a_message_whose_turn_cannot_be_recorded_leaves_nothing_of_it(
    cloud: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given alice's chat, and a write of a turn with its job and events that fails after writing some of them
    _alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="one")
    session_id = created["sessionId"]
    drain_queue(cloud)
    logged = SessionEvent.count(session_id)
    written = turns.put_all

    def half_written(*items: Any) -> None:
        written(*items[:2])
        raise PutError("DynamoDB left items unwritten after several tries (throttled).")

    monkeypatch.setattr(turns, "put_all", half_written)

    # When she sends a follow-up
    [refused] = say("alice", action="chat.send", sessionId=session_id, message="two")[-1:]

    # Then she is told it failed, nothing announced it, no part of a second turn is left, nor any job of it, and
    # nothing reached a runner
    assert (refused["type"], refused["code"]) == ("error", "internal_error")
    assert [int(exchange.turn) for exchange in RawExchange.query(session_id)] == [1]
    assert [job for job in Job.scan() if job.payload["turn"] == 2] == []
    assert SessionEvent.count(session_id) == logged
    assert queued_messages(cloud) == []


def test_a_message_is_recorded_then_announced_and_only_then_sent_to_a_runner(cloud: Settings) -> None:
    _alice, project_id = person("alice")

    with aws_calls() as calls:
        created, accepted = say("alice", action="chat.send", projectId=project_id, message="Hello")

    # The turn, its job and the events are recorded in one call, the events sent once they are, the job after them
    steps = [step for step in map(step_of, calls) if step]
    assert steps == ["turn, job and events recorded", "accepted sent", "job sent"]
    exchange = RawExchange.get(created["sessionId"], accepted["turn"])
    [message] = queued_messages(cloud)
    assert json.loads(message["Body"])["job_id"] == exchange.job_id
    assert (exchange.status, Job.get(exchange.job_id).status) == (ExchangeStatus.QUEUED, "queued")


def test_a_follow_up_reads_its_session_project_role_limits_lease_and_connection_in_one_call(cloud: Settings) -> None:
    _alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="one")
    seen = len(posted_events("conn-alice"))

    with aws_calls() as calls:
        [accepted] = say(
            "alice", action="chat.send", sessionId=created["sessionId"], projectId=project_id, message="two"
        )[seen:]

    assert (accepted["type"], accepted["turn"]) == ("message.accepted", 2)
    # The connection's caller was read with its first message and is kept; the session it follows is read with
    # the rest
    read = {table_of(model) for model in (Session, Project, ProjectMember, Setting, RunnerLease, Connection)}
    [batch] = [params for operation, params in calls if operation == "BatchGetItem"]
    assert set(batch["RequestItems"]) == read
    assert not [params for operation, params in calls if operation == "GetItem" and params["TableName"] in read]


def test_a_follow_up_is_refused_as_its_parts_say_and_nothing_is_recorded(cloud: Settings) -> None:
    alice, alice_project = person("alice")
    _bob, bob_project = person("bob")
    [created, _] = say("alice", action="chat.send", projectId=alice_project, message="one")
    session_id = created["sessionId"]
    seen = len(posted_events("conn-alice"))

    # Bob names Alice's session with his own project: it is not found (no hint that it exists)
    [error] = say("bob", action="chat.send", sessionId=session_id, projectId=bob_project, message="hi")
    assert error["code"] == "session_not_found"
    # Alice names her session with a project that is not its own, then with a malformed session id
    refusals = [
        say("alice", action="chat.send", sessionId=session_id, projectId=bob_project, message="hi")[-1],
        say("alice", action="chat.send", sessionId="nope", projectId=alice_project, message="hi")[-1],
    ]
    assert [refusal["code"] for refusal in refusals] == ["wrong_project", "session_not_found"]
    # Alice may only view her project now: her own session there takes no more messages
    ProjectMember(alice_project, alice.user_id).update(actions=[ProjectMember.role.set(ProjectRole.VIEWER.value)])
    [read_only] = say("alice", action="chat.send", sessionId=session_id, projectId=alice_project, message="hi")[
        seen + 2 :
    ]
    assert read_only["code"] == "read_only_project"
    assert [int(exchange.turn) for exchange in RawExchange.query(session_id)] == [1]


def step_of(call: tuple[str, dict[str, Any]]) -> str | None:
    """What a call of accepting a message did, named; None for the others."""
    operation, params = call
    recorded = {table_of(model) for model in (RawExchange, Job, SessionEvent)}
    if operation == "BatchWriteItem" and set(params["RequestItems"]) == recorded:
        return "turn, job and events recorded"
    if operation == "PutItem" and params["TableName"] in recorded:
        return "recorded alone"
    if operation == "PostToConnection":
        return "accepted sent" if json.loads(params["Data"])["type"] == "message.accepted" else None
    return "job sent" if operation == "SendMessage" else None


def test_resume_replays_exactly_the_events_after_the_last_seen_seq(cloud: Settings) -> None:
    _alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="one")
    say("alice", action="chat.send", sessionId=created["sessionId"], message="two")
    seen = len(posted_events("conn-alice"))

    events = say("alice", action="session.resume", sessionId=created["sessionId"], lastSeq=1)[seen:]

    assert [event["seq"] for event in events[:-1]] == [2, 3]
    assert events[-1]["type"] == "session.resumed"
    assert (events[-1]["replayed"], events[-1]["lastSeq"]) == (2, 3)


def test_someone_elses_session_or_project_is_not_found(cloud: Settings) -> None:
    _alice, alice_project = person("alice")
    _bob, _ = person("bob")
    [created, _] = say("alice", action="chat.send", projectId=alice_project, message="private")

    attempts = [
        {"action": "chat.send", "sessionId": created["sessionId"], "message": "hi"},
        {"action": "chat.send", "projectId": alice_project, "message": "hi"},
        {"action": "session.resume", "sessionId": created["sessionId"], "lastSeq": 0},
        {"action": "chat.abort", "sessionId": created["sessionId"]},
    ]
    for attempt in attempts:
        say("bob", **attempt)

    errors = posted_events("conn-bob")
    assert [error["code"] for error in errors] == ["session_not_found", "project_not_found"] + ["session_not_found"] * 2
    assert Session.get(created["sessionId"]).message_count == 1


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"action": "chat.send", "message": "hi"}, "invalid_request"),
        ({"action": "chat.send", "projectId": "p", "message": ""}, "invalid_request"),
        ({"action": "chat.send", "projectId": "p", "message": "   "}, "invalid_request"),
        ({"action": "chat.send", "projectId": "p", "message": 42}, "invalid_request"),
        ({"action": "chat.send", "projectId": "0" * 32, "message": "hi"}, "project_not_found"),
        ({"action": "chat.send", "sessionId": "nope", "message": "hi"}, "session_not_found"),
        ({"action": "chat.send", "projectId": "p", "message": "x" * 24_001}, "too_long"),
        ({"action": "session.resume", "sessionId": "0" * 32, "lastSeq": -1}, "invalid_request"),
        ({"action": "session.resume", "sessionId": "0" * 32, "lastSeq": "7"}, "invalid_request"),
        (
            {"action": "chat.answer", "sessionId": "0" * 32, "turn": 1, "questionId": "q", "answer": "y"},
            "session_not_found",
        ),
    ],
)
def test_bad_chat_messages_get_a_clear_error_and_change_nothing(
    cloud: Settings, message: dict[str, Any], code: str
) -> None:
    person("alice")

    [error] = say("alice", **message)

    assert (error["type"], error["code"]) == ("error", code)
    assert Session.count() == 0
    assert queued_messages(cloud) == []


def test_abort_marks_the_current_turn_and_nothing_to_abort_is_a_clear_error(cloud: Settings) -> None:
    _alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="long task")

    [*_, requested] = say("alice", action="chat.abort", sessionId=created["sessionId"])

    assert (requested["type"], requested["turn"]) == ("abort.requested", 1)
    assert RawExchange.get(created["sessionId"], 1).abort_requested is True
    RawExchange.get(created["sessionId"], 1).update(actions=[RawExchange.status.set("completed")])
    [*_, error] = say("alice", action="chat.abort", sessionId=created["sessionId"])
    assert error["code"] == "nothing_to_abort"


def test_history_pages_from_the_newest_turn(cloud: Settings) -> None:
    alice, project_id = person("alice")
    [created, _] = say("alice", action="chat.send", projectId=project_id, message="turn 1")
    for n in range(2, 6):
        say("alice", action="chat.send", sessionId=created["sessionId"], message=f"turn {n}")

    first = turns.history(alice, created["sessionId"], limit=2)
    second = turns.history(alice, created["sessionId"], before_turn=int(first[-1].turn), limit=2)

    assert [e.turn for e in first] == [5, 4]
    assert [e.turn for e in second] == [3, 2]


def test_prewarm_reserves_a_new_chats_id_that_the_first_message_uses_and_is_rate_limited(cloud: Settings) -> None:
    _alice, project_id = person("alice")

    [reserved] = say("alice", action="chat.prewarm", projectId=project_id)
    assert (reserved["type"], reserved["new"], reserved["projectId"]) == ("session.prewarming", True, project_id)
    [job] = [json.loads(m["Body"]) for m in queued_messages(cloud)]
    assert job["job_type"] == "chat.prewarm"

    events = say("alice", action="chat.send", projectId=project_id, message="Hi", newSessionId=reserved["sessionId"])
    assert events[-2]["type"] == "session.created" and events[-2]["sessionId"] == reserved["sessionId"]
    again = say("alice", action="chat.send", projectId=project_id, message="Hi", newSessionId=reserved["sessionId"])
    assert (again[-1]["type"], again[-1]["code"]) == ("error", "session_exists")  # one chat per reserved id

    for _ in range(60 - 1):  # the first prewarm counted too
        say("alice", action="chat.prewarm", sessionId=reserved["sessionId"])
    refused = say("alice", action="chat.prewarm", sessionId=reserved["sessionId"])[-1]
    assert (refused["type"], refused["code"]) == ("error", "too_many_attempts"), refused
    assert "start Claude ahead of a message" in refused["message"]


def test_the_websocket_function_loads_its_chat_actions_without_the_providers_module() -> None:
    # Only the runner reads the provider (shared.chat.turn_reads): its views, schemas and KMS envelope would add some
    # 60 ms to the $default function's cold start.
    assert loaded_after(["functions.ws_default.handler", "shared.ws.chat"], ["shared.provider.service"]) == []
