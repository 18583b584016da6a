"""A runner turn's stream: numbers in blocks, the log in batches, late followers, the API numbering alongside."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from shared.chat import events, followers
from shared.chat.events import SessionStream
from shared.chat.stream import TurnStream
from shared.models.chat import Session, SessionEvent
from shared.realtime import connections
from shared.settings import Settings
from tests.support.accounts import AccountsStack
from tests.support.aws import ACCOUNT_ID, posted_events

SESSION = "s" * 32
NEVER = 3600.0  # the tests flush by hand: the stream's own timer never fires during a test


@pytest.fixture
def cloud(accounts: AccountsStack) -> Settings:
    apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections.clear()
    Session(SESSION, user_id="u1", project_id="p1").save()
    return accounts.settings


def follower(name: str) -> str:
    """A connection that follows the session (as chat.send or session.resume make it)."""
    connections.remember(name, user_id="u1")
    followers.follow(name, SESSION)
    return name


def logged() -> list[dict[str, Any]]:
    """Every logged event of the session, in seq order."""
    return [event for item in SessionEvent.query(SESSION, consistent_read=True) for event in item.events]


def covered(received: list[dict[str, Any]]) -> list[int]:
    """The numbers a client's events account for, in the order received (a skip covers seq..through)."""
    return [n for event in received for n in range(event["seq"], event.get("through", event["seq"]) + 1)]


def shown(connection_id: str) -> list[dict[str, Any]]:
    """What a client keeps of what reached it, by post or replay: each seq once, in seq order."""
    unique = {event["seq"]: event for event in posted_events(connection_id) if "seq" in event}
    return [unique[seq] for seq in sorted(unique)]


def test_a_turn_and_the_api_never_share_a_number_and_leave_none_unaccounted(cloud: Settings) -> None:
    # Given two turn streams of the session with small blocks, and the API publishing between their events
    first, second = (TurnStream(SESSION, "u1", block=4, flush_seconds=NEVER) for _ in range(2))
    api = SessionStream(SESSION, "u1")

    # When they publish interleaved, each block used up or cut short
    for n in range(6):
        first.publish({"type": "text.delta", "text": f"a{n}"})
        api.publish({"type": "message.accepted", "n": n})
        second.publish({"type": "text.delta", "text": f"b{n}"})
    first.close()
    second.close()

    # Then every number up to the counter is used once: by one event, or by one skip
    numbers = covered(logged())
    assert sorted(numbers) == list(range(1, int(Session.get(SESSION).last_seq) + 1))
    assert Session.get(SESSION).streaming is None


def test_concurrent_writers_take_disjoint_numbers(cloud: Settings, serialized_moto: None) -> None:
    # Given three turn streams and the API, each on its own thread
    streams = [TurnStream(SESSION, "u1", block=3, flush_seconds=NEVER) for _ in range(3)]
    api = SessionStream(SESSION, "u1")

    def write(publish: Any) -> None:
        for n in range(10):
            publish({"type": "text.delta", "text": str(n)})

    # When they all publish at once
    writers: list[TurnStream | SessionStream] = [*streams, api]
    threads = [threading.Thread(target=write, args=(writer.publish,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for stream in streams:
        stream.close()

    # Then no number was handed out twice, and 40 events were logged
    numbers = covered(logged())
    assert len(numbers) == len(set(numbers))
    assert sum(1 for event in logged() if event["type"] == "text.delta") == 40


def test_replay_after_any_seq_sends_every_later_event_once_and_in_order(cloud: Settings) -> None:
    # Given a turn whose 12 events were logged in batches of several, and an event the API published after it
    with TurnStream(SESSION, "u1", flush_seconds=NEVER) as stream:
        for n in range(12):
            stream.publish({"type": "text.delta", "text": str(n)})
            if n % 5 == 4:
                stream.flush()
    SessionStream(SESSION, "u1").publish({"type": "message.accepted", "turn": 2})
    everything = logged()
    assert len(list(SessionEvent.query(SESSION))) < len(everything)  # batches, not an item per event

    for after in range(0, everything[-1]["seq"] + 1):
        # When a client that saw `after` (inside a batch, at its end, or in the skipped numbers) asks for a replay
        connection = f"conn-{after}"
        sent = events.replay(SESSION, after, connection)

        # Then it gets every event after it, each once, in order, with its session
        replayed = posted_events(connection) if sent else []
        assert [event["seq"] for event in replayed] == [event["seq"] for event in everything if event["seq"] > after]
        assert all(event["sessionId"] == SESSION for event in replayed)


@pytest.mark.parametrize("joins_after", [0, 2, 5, 7, 9])
def test_a_client_that_follows_mid_turn_gets_every_event_by_post_or_replay(cloud: Settings, joins_after: int) -> None:
    # Given a turn that logs its events every few of them, and a client watching from the start
    early = follower("conn-early")
    stream = TurnStream(SESSION, "u1", flush_seconds=NEVER)
    late = "conn-late"
    for n in range(10):
        if n == joins_after:
            # When another client starts following (between two flushes, or just after one) and replays the log
            connections.remember(late, user_id="u1")
            followers.follow(late, SESSION)
            events.replay(SESSION, 0, late)
        stream.publish({"type": "text.delta", "text": str(n)})
        if n in (3, 6):
            stream.flush()
    stream.close()

    # Then both hold every number of the turn, through to its skipped tail, each event once
    for connection in (early, late):
        numbers = covered(shown(connection))
        assert numbers == list(range(1, int(Session.get(SESSION).last_seq) + 1)), connection
    assert [e["text"] for e in shown(late) if e["type"] == "text.delta"] == [str(n) for n in range(10)]


def test_a_client_that_follows_while_a_batch_is_written_gets_it(
    cloud: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a turn with three events not logged yet
    stream = TurnStream(SESSION, "u1", flush_seconds=NEVER)
    for n in range(3):
        stream.publish({"type": "text.delta", "text": str(n)})
    write = events.log

    def follow_then_write(*args: Any) -> None:
        connections.remember("conn-late", user_id="u1")
        followers.follow("conn-late", SESSION)
        events.replay(SESSION, 0, "conn-late")  # too early: the batch is not in the log yet
        write(*args)

    # When a client follows and replays just as the batch goes to the log
    monkeypatch.setattr(events, "log", follow_then_write)
    stream.flush()
    monkeypatch.setattr(events, "log", write)
    stream.close()

    # Then the batch reached it by post (the followers are read after the write)
    assert [e["text"] for e in shown("conn-late") if e["type"] == "text.delta"] == ["0", "1", "2"]


def test_the_apis_event_during_a_turn_is_released_at_the_next_flush_not_at_the_end(cloud: Settings) -> None:
    # Given a turn streaming to a client, with most of its block unused
    client = follower("conn-a")
    stream = TurnStream(SESSION, "u1", flush_seconds=NEVER)
    stream.publish({"type": "turn.started", "turn": 1})

    # When the API accepts a message meanwhile (numbered after the turn's block) and the turn's next flush comes
    accepted = SessionStream(SESSION, "u1").publish({"type": "message.accepted", "turn": 2})
    stream.flush()

    # Then the client already holds every number up to the API's event: the rest of the block was skipped
    assert covered(shown(client)) == list(range(1, accepted["seq"] + 1))
    # And the turn's next events come after it
    assert stream.publish({"type": "text.delta", "text": "more"})["seq"] > accepted["seq"]
    stream.close()


def test_whoever_sees_the_turn_end_finds_it_whole_in_the_log(cloud: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a turn streaming to a client, some of its events not logged yet
    follower("conn-a")
    stream = TurnStream(SESSION, "u1", flush_seconds=NEVER)
    stream.publish({"type": "turn.started", "turn": 1})
    stream.publish({"type": "text.delta", "turn": 1, "text": "hi"})
    seen_at_the_end: list[tuple[list[str], bool]] = []
    post = events.post_event

    def watching(connection_id: str, event: dict[str, Any]) -> bool:
        if event["type"] == "turn.done":
            seen_at_the_end.append(([e["type"] for e in logged()], followers.streaming(SESSION)))
        return post(connection_id, event)

    # When the turn ends with its last event
    monkeypatch.setattr(events, "post_event", watching)
    stream.close({"type": "turn.done", "turn": 1})

    # Then when that event was sent, the whole turn was logged and the session no longer said a turn streams
    [(types, streaming)] = seen_at_the_end
    assert types == ["turn.started", "text.delta", "turn.done", "seq.skipped"]
    assert streaming is False


def test_a_resume_while_a_turn_streams_says_so_and_its_close_clears_it(cloud: Settings) -> None:
    # Given a turn streaming
    stream = TurnStream(SESSION, "u1", flush_seconds=NEVER)
    stream.publish({"type": "turn.started", "turn": 1})

    # When a client follows, then it is told the turn streams; after the turn's close, it is not
    assert followers.follow(follower("conn-a"), SESSION) is True
    stream.close()
    assert followers.follow("conn-a", SESSION) is False


def test_a_runners_recovery_clears_the_mark_its_dead_stream_left(cloud: Settings) -> None:
    # Given a turn whose runner died mid-stream (never closed)
    TurnStream(SESSION, "u1", flush_seconds=NEVER).publish({"type": "turn.started", "turn": 1})

    # When the turn's recovery publishes its error through a stream of its own
    with TurnStream(SESSION, "u1", flush_seconds=NEVER) as recovery:
        recovery.publish({"type": "error", "turn": 1, "code": "runner_stopped"})

    # Then the session no longer says a turn streams
    assert Session.get(SESSION).streaming is None
