"""The chat job without a CLI: not configured, aborted before start, runner died mid-turn; long answers, activity."""

from __future__ import annotations

import json
from typing import Any

import pytest

import runner.jobs  # noqa: F401  # registers the handlers
from runner.worker import Worker
from shared import aws
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import records, sessions, turns
from shared.chat.views import Turn
from shared.jobs import store
from shared.models.chat import ExchangeStatus, RawExchange, Session, SessionEvent
from shared.models.jobs import Job, JobStatus
from shared.projects import service as projects
from shared.realtime import connections
from shared.settings import Settings, get_settings
from tests.support.accounts import AccountsStack
from tests.support.aws import drain_queue, queued_messages


@pytest.fixture
def cloud(accounts: AccountsStack) -> Settings:
    drain_queue(accounts.settings)
    return accounts.settings


def start_turn(message: str = "hello") -> Turn:
    account = users.create("alice", "correct horse battery", None, is_admin=False)
    caller = Principal(account=account, via="token")
    connections.remember("conn-alice", user_id=account.user_id)
    project_id = projects.create(caller, "Notes").project_id
    return turns.send(caller, project_id=project_id, session_id=None, message=message, connection_id="conn-alice")


def run_queued_turn() -> None:
    [message] = [m for m in queued_messages(get_settings(), visibility=60) if '"chat.turn"' in m["Body"]]
    Worker(get_settings(), runner_id="runner-test", wait_seconds=0).handle(message)


def events_of(session_id: str) -> list[dict[str, Any]]:
    """The session's logged events as a client shows them (the numbers a turn did not use left out)."""
    logged = [event for record in SessionEvent.query(session_id) for event in record.events]
    return [event for event in logged if event["type"] != "seq.skipped"]


def test_claude_not_configured_fails_the_turn_with_what_to_configure(cloud: Settings, accounts: AccountsStack):
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    exchange = start_turn()

    run_queued_turn()

    finished = RawExchange.get(exchange.session_id, 1)
    assert finished.status == ExchangeStatus.FAILED
    error = events_of(exchange.session_id)[-1]
    assert (error["type"], error["code"]) == ("error", "claude_not_configured")
    assert "ANTHROPIC_API_KEY" in error["message"]
    assert Session.get(exchange.session_id).status == "idle"


def test_a_turn_aborted_before_it_started_never_runs(cloud: Settings):
    exchange = start_turn()
    RawExchange(exchange.session_id, exchange.turn).update(actions=[RawExchange.abort_requested.set(True)])

    run_queued_turn()

    assert RawExchange.get(exchange.session_id, 1).status == ExchangeStatus.ABORTED
    assert events_of(exchange.session_id)[-1]["type"] == "turn.aborted"


def test_a_turn_whose_runner_died_ends_failed_and_says_so(cloud: Settings):
    exchange = start_turn()
    job = Job.get(exchange.job_id)
    store.start(job, "runner-that-died")  # it was running when its runner stopped
    RawExchange.get(exchange.session_id, 1).update(actions=[RawExchange.status.set(ExchangeStatus.RUNNING.value)])

    run_queued_turn()

    assert Job.get(exchange.job_id).status == JobStatus.FAILED
    assert RawExchange.get(exchange.session_id, 1).status == ExchangeStatus.FAILED
    error = events_of(exchange.session_id)[-1]
    assert (error["type"], error["code"]) == ("error", "runner_stopped")
    assert json.dumps(error).count("Send the message again") == 1


def test_a_long_answer_goes_whole_to_s3_and_comes_back_whole_in_the_history(cloud: Settings):
    # Given a turn whose answer is larger than a row holds, and activity past its bounds
    exchange = start_turn()
    conversation, pending = records.take(exchange.session_id, exchange.turn)
    answer = "word " * 80_000  # 400 KB
    steps = [{"kind": "tool", "name": "Bash", "summary": f"Bash: step {n}", "state": "done"} for n in range(250)]
    records.finish(
        conversation,
        pending,
        records.Finished(status=ExchangeStatus.COMPLETED, duration_ms=5, response_text=answer, activity=steps),
    )

    # When the history is read, then the whole answer is there, and the latest steps with a note of the rest
    row = RawExchange.get(exchange.session_id, 1)
    assert row.response_s3_key and len(row.response_text.encode()) <= records.RESPONSE_INLINE_LIMIT
    caller = Principal(account=users.get(conversation.user_id), via="token")  # type: ignore[arg-type]
    [turn] = turns.history(caller, exchange.session_id)
    assert turn.response == answer
    assert turn.activity[0].kind == "notice" and "50 earlier steps" in str(turn.activity[0].message)
    assert turn.activity[-1].summary == "Bash: step 249" and len(turn.activity) == records.ACTIVITY_LIMIT + 1

    # And deleting the session deletes the long answer
    s3 = aws.client("s3")
    assert s3.list_objects_v2(Bucket=cloud.workspace_bucket, Prefix=row.response_s3_key)["KeyCount"] == 1
    sessions.remove(exchange.session_id)
    assert s3.list_objects_v2(Bucket=cloud.workspace_bucket, Prefix=row.response_s3_key)["KeyCount"] == 0


def test_the_first_turn_names_the_chat_from_its_answer_unless_it_was_renamed(cloud: Settings):
    # Given a new chat titled from its first message
    exchange = start_turn("Hi, can you please draft the plan for next quarter?")
    conversation, pending = records.take(exchange.session_id, exchange.turn)
    assert conversation.title == "Draft the plan for next quarter"
    answer = "# Quarterly plan\n\nHere it is."
    done = records.Finished(status=ExchangeStatus.COMPLETED, duration_ms=5, response_text=answer)

    # When the first turn ends with a short heading, then that names the chat
    recorded = records.finish(conversation, pending, done)
    assert records.name_after_first_turn(conversation, recorded) == "Quarterly plan"
    assert Session.get(exchange.session_id).title == "Quarterly plan"

    # And a chat renamed while its first turn ran keeps the person's name
    Session(exchange.session_id).update(actions=[Session.title.set("Mine")])
    assert records.name_after_first_turn(conversation, recorded) is None
    assert Session.get(exchange.session_id).title == "Mine"
