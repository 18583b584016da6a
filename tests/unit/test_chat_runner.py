"""The chat job without a CLI: not configured, aborted before start, runner died mid-turn; long answers, activity."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import runner.jobs  # noqa: F401  # registers the handlers
from runner.jobs import chat as chat_job
from runner.worker import Lane, Worker
from shared import aws
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import records, sessions, turns
from shared.chat.stream import BLOCK
from shared.chat.views import Turn
from shared.jobs import routing, store, sweep
from shared.models.chat import ExchangeStatus, RawExchange, Session, SessionEvent
from shared.models.jobs import Job, JobStatus
from shared.models.usage import QualitySignal
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
    return alice_and_her_first_turn(message)[1]


def alice_and_her_first_turn(message: str = "hello") -> tuple[Principal, Turn]:
    account = users.create("alice", "correct horse battery", None, is_admin=False)
    caller = Principal(account=account, via="token")
    connections.remember("conn-alice", user_id=account.user_id)
    project_id = projects.create(caller, "Notes").project_id
    turn = turns.send(caller, project_id=project_id, session_id=None, message=message, connection_id="conn-alice")
    return caller, turn


def follow_up(caller: Principal, first: Turn) -> Turn:
    return turns.send(
        caller, project_id=None, session_id=first.session_id, message="and then?", connection_id="conn-alice"
    )


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


def test_a_turn_whose_runner_died_with_its_message_is_closed_after_the_tick_sends_it_again(cloud: Settings):
    # Given a turn running when its runner died, whose message went too (dead-lettered after its receives)
    exchange = start_turn()
    job = Job.get(exchange.job_id)
    store.start(job, "runner-that-died")
    RawExchange.get(exchange.session_id, 1).update(actions=[RawExchange.status.set(ExchangeStatus.RUNNING.value)])
    drain_queue(cloud)

    # When the tick runs after the job's deadline and grace, and a runner takes what it sent
    later = datetime.now(UTC) + timedelta(seconds=int(job.timeout_seconds)) + sweep.SWEEP_GRACE + timedelta(minutes=1)
    assert [swept.job_id for swept in sweep.sweep_stuck(later)] == [exchange.job_id]
    run_queued_turn()

    # Then the turn ended failed and said so, as if its own message had come back
    assert Job.get(exchange.job_id).status == JobStatus.FAILED
    assert RawExchange.get(exchange.session_id, 1).status == ExchangeStatus.FAILED
    error = events_of(exchange.session_id)[-1]
    assert (error["type"], error["code"]) == ("error", "runner_stopped")


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


def test_a_queued_turn_is_taken_in_one_write_and_only_once(cloud: Settings):
    # Given a queued turn
    exchange = start_turn()

    # When the runner takes it, then it is running, with its session read alongside
    conversation, pending, taken = records.begin(exchange.session_id, exchange.turn)
    assert taken and pending.status == ExchangeStatus.RUNNING and pending.request == "hello"
    assert conversation.id == exchange.session_id and conversation.user_id
    assert RawExchange.get(exchange.session_id, 1).started_at is not None

    # And a second take (a message delivered again) finds it running, not taken
    _, again, taken_again = records.begin(exchange.session_id, exchange.turn)
    assert not taken_again and again.is_open and again.status == ExchangeStatus.RUNNING


@pytest.mark.parametrize("state", ["aborted before it started", "finished"])
def test_a_turn_asked_to_stop_or_finished_is_not_taken(cloud: Settings, state: str):
    exchange = start_turn()
    row = RawExchange(exchange.session_id, exchange.turn)
    if state == "finished":
        row.update(actions=[RawExchange.status.set(ExchangeStatus.COMPLETED.value)])
    else:
        row.update(actions=[RawExchange.abort_requested.set(True)])

    _, pending, taken = records.begin(exchange.session_id, exchange.turn)

    assert not taken
    assert pending.abort_requested if state != "finished" else not pending.is_open
    assert RawExchange.get(exchange.session_id, 1).started_at is None


def test_the_session_is_running_with_the_streams_first_numbers_and_idle_with_its_last(cloud: Settings):
    # Given a taken turn
    exchange = start_turn()
    conversation, pending, _ = records.begin(exchange.session_id, exchange.turn)
    numbered = Session.get(exchange.session_id).last_seq

    # When its stream opens, then the session is running and streaming, in the write that took its numbers
    stream = records.start(conversation, pending.turn, taken=True)
    assert Session.get(exchange.session_id).status == "idle"  # nothing written before the first event
    stream.publish({"type": "turn.started", "turn": pending.turn})
    session = Session.get(exchange.session_id)
    assert (session.status, session.last_seq) == ("running", numbered + BLOCK)
    assert session.streaming is not None

    # When the turn is recorded with its stream, then the session's side waits for the stream's close
    done = records.Finished(status=ExchangeStatus.COMPLETED, duration_ms=5, claude_session_id="claude-1")
    records.finish(conversation, pending, done, stream)
    assert Session.get(exchange.session_id).status == "running"
    stream.close({"type": "turn.done", "turn": pending.turn})
    session = Session.get(exchange.session_id)
    assert (session.status, session.claude_session_id, session.streaming) == ("idle", "claude-1", None)
    assert RawExchange.get(exchange.session_id, 1).status == ExchangeStatus.COMPLETED


def test_a_turn_recorded_after_a_later_stream_took_the_mark_still_leaves_the_session_idle(cloud: Settings):
    # Given a turn's stream whose mark a recovery's stream took over (its runner was thought dead)
    exchange = start_turn()
    conversation, pending, _ = records.begin(exchange.session_id, exchange.turn)
    stream = records.start(conversation, pending.turn, taken=True)
    stream.publish({"type": "turn.started", "turn": pending.turn})
    Session(exchange.session_id).update(actions=[Session.streaming.set("a later stream")])

    # When the turn ends, then the session is idle and knows the CLI's conversation; the mark is not its to clear
    records.finish(
        conversation, pending, records.Finished(status=ExchangeStatus.COMPLETED, duration_ms=5, claude_session_id="c")
    )  # without the stream: written at once
    stream.closing.append(Session.title.set("kept"))
    stream.close({"type": "turn.done", "turn": pending.turn})
    session = Session.get(exchange.session_id)
    assert (session.status, session.claude_session_id, session.title, session.streaming) == (
        "idle",
        "c",
        "kept",
        "a later stream",
    )


@pytest.mark.parametrize("queued_by", ["this API", "an older API"])
def test_a_turn_ends_with_its_quality_signals_recorded_by_the_runner(
    cloud: Settings, accounts: AccountsStack, queued_by: str
):
    # Given a turn whose job names its project and user (or, queued by an older API, does not)
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    exchange = start_turn()
    job = Job.get(exchange.job_id)
    session = Session.get(exchange.session_id)
    assert job.payload == {
        "session_id": exchange.session_id,
        "turn": 1,
        "project_id": session.project_id,
        "user_id": session.user_id,
    }
    if queued_by == "an older API":
        job.update(actions=[Job.payload.set({"session_id": exchange.session_id, "turn": 1})])

    # When the runner runs it, then it ends as it should, and its quality signals are there with no job of theirs
    run_queued_turn()
    assert RawExchange.get(exchange.session_id, 1).status == ExchangeStatus.FAILED
    assert QualitySignal.get(exchange.session_id, 1).truncated
    assert not [m for m in queued_messages(get_settings()) if '"chat.quality"' in m["Body"]]


def test_a_turn_sent_while_the_one_before_is_open_names_it_in_its_job(cloud: Settings):
    caller, first = alice_and_her_first_turn()
    second = follow_up(caller, first)

    assert "follows" not in Job.get(first.job_id).payload
    assert Job.get(second.job_id).payload["follows"] == 1


def test_a_turn_sent_while_the_one_before_is_being_recorded_names_it_in_its_job(cloud: Settings):
    # Given a first turn that ended, and a second accepted at this very moment: its number taken, its record not
    # written yet
    caller, first = alice_and_her_first_turn()
    RawExchange.get(first.session_id, 1).update(actions=[RawExchange.status.set(ExchangeStatus.COMPLETED.value)])
    sessions.next_turn(first.session_id)

    # When a third is sent, then it runs after the second, and says it waits
    third = follow_up(caller, first)
    assert third.turn == 3
    assert Job.get(third.job_id).payload["follows"] == 2
    [accepted] = [e for e in events_of(first.session_id) if e["type"] == "message.accepted" and e["turn"] == 3]
    assert accepted["queued"] is True

    # And once every turn before is recorded and ended, the next names none
    one = RawExchange.get(first.session_id, 1)
    RawExchange(first.session_id, 2, user_id=one.user_id, project_id=one.project_id, request_text="b",
                status=ExchangeStatus.COMPLETED.value).save()  # fmt: skip
    RawExchange.get(first.session_id, 3).update(actions=[RawExchange.status.set(ExchangeStatus.COMPLETED.value)])
    fourth = follow_up(caller, first)
    assert "follows" not in Job.get(fourth.job_id).payload


def stranded_first_and_queued_second(caller: Principal, first: Turn) -> tuple[Turn, dict[str, Any]]:
    """A follow-up's message in the shared queue while its predecessor's waits elsewhere (as in the queue of a
    runner that died, until it is moved): only the follow-up's is here."""
    second = follow_up(caller, first)
    messages = queued_messages(get_settings(), visibility=60)
    [stranded] = [m for m in messages if first.job_id in m["Body"]]
    [message] = [m for m in messages if second.job_id in m["Body"]]
    aws.client("sqs").delete_message(QueueUrl=get_settings().jobs_queue_url, ReceiptHandle=stranded["ReceiptHandle"])
    return second, message


def test_a_turn_whose_predecessor_is_still_open_goes_behind_it_and_runs_once_it_ended(
    cloud: Settings, accounts: AccountsStack, monkeypatch: pytest.MonkeyPatch
):
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)  # ends at once
    monkeypatch.setattr(chat_job, "FOLLOW_RETRY_SECONDS", 0.0)
    caller, first = alice_and_her_first_turn()
    second, message = stranded_first_and_queued_second(caller, first)
    worker = Worker(get_settings(), runner_id="runner-test", wait_seconds=0)
    lane = Lane.of(worker.sqs, get_settings().jobs_queue_url, 1, "test")

    lane.slots.acquire()  # as the poll does: the message's slot, given back once it is settled
    worker._process(message, lane)  # type: ignore[arg-type]

    assert Job.get(second.job_id).status == JobStatus.QUEUED  # not taken
    assert RawExchange.get(first.session_id, 2).status == ExchangeStatus.QUEUED
    [again] = queued_messages(get_settings(), visibility=60)
    assert again["MessageId"] != message["MessageId"] and json.loads(again["Body"])["job_id"] == second.job_id
    assert again["Attributes"]["MessageGroupId"] == message["Attributes"]["MessageGroupId"]

    RawExchange(first.session_id, 1).update(actions=[RawExchange.status.set(ExchangeStatus.COMPLETED.value)])
    lane.slots.acquire()
    worker._process(again, lane)  # type: ignore[arg-type]

    assert Job.get(second.job_id).status != JobStatus.QUEUED
    assert RawExchange.get(first.session_id, 2).status == ExchangeStatus.FAILED  # ran: Claude is not configured
    assert queued_messages(get_settings()) == []


def test_a_turn_waits_for_its_predecessor_only_so_long(cloud: Settings, accounts: AccountsStack):
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    caller, first = alice_and_her_first_turn()
    _, message = stranded_first_and_queued_second(caller, first)
    long_ago = datetime.now(UTC) - timedelta(seconds=chat_job.FOLLOW_AT_MOST_SECONDS + 60)
    RawExchange(first.session_id, 1).update(actions=[RawExchange.created_at.set(long_ago)])

    outcome = Worker(get_settings(), runner_id="runner-test", wait_seconds=0).handle(message)  # type: ignore[arg-type]

    assert outcome.delete and outcome.behind is None
    assert RawExchange.get(first.session_id, 2).status == ExchangeStatus.FAILED  # it ran
    assert RawExchange.get(first.session_id, 1).status == ExchangeStatus.QUEUED  # left for its own message


def test_a_turn_taken_as_its_message_came_is_queued_again_when_its_job_does_not_start(cloud: Settings):
    # Given a turn whose job another runner, alive, has just started (its message came twice), not yet its turn
    exchange = start_turn()
    routing.register_runner("runner-alive", "https://sqs.example/runner-alive.fifo")
    store.start(Job.get(exchange.job_id), "runner-alive")

    # When this runner gets the message: the turn is taken as the job is started, which fails
    [message] = [m for m in queued_messages(get_settings(), visibility=60) if '"chat.turn"' in m["Body"]]
    outcome = Worker(get_settings(), runner_id="runner-test", wait_seconds=0).handle(message)

    # Then the message is looked at again later, and the turn is queued again for the runner that has its job
    assert not outcome.delete
    turn = RawExchange.get(exchange.session_id, exchange.turn, consistent_read=True)
    assert (turn.status, turn.started_at) == (ExchangeStatus.QUEUED, None)
    assert records.take_queued(exchange.session_id, exchange.turn) is not None
