"""What recording a model call writes to DynamoDB (counted per operation: behaviour, not timing), and the gateway's
Tally, which adds a turn's aggregates together: the same sums, a fraction of the writes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.client import BaseClient

from runner.gateway.ledger import Ledger
from shared.models.usage import UsageEvent
from shared.usage import ModelUsage, Tally, record
from tests.support.accounts import Person, create_user, register_first
from tests.unit.test_usage_dashboard import aggregates_held, events_sum, usage
from tests.unit.test_usage_top_sessions import boards_held, expected_boards

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
# Before the sheets and the Tally: the event, the day's tokens, and 18 aggregate ADDs (22 with a session) a call.
WRITES_BEFORE = {"no session": 1 + 1 + 18, "session": 1 + 1 + 22}


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    """Every DynamoDB operation made inside the block, counted by name."""
    counted: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            counted[operation] += 1
        return original(self, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", counting)
        yield counted


def writes(counted: Counter[str]) -> int:
    return sum(counted[operation] for operation in WRITES)


@pytest.fixture
def ann(accounts: Any) -> Person:
    return create_user(register_first(), "ann")


def test_a_recorded_call_adds_to_10_items_12_with_a_session_and_puts_its_sessions_boards(ann: Person) -> None:
    # Given a first call of the day (which creates the day's and month's sheets)
    record(usage(ann.id, 0, project_id="p1", session_id="s1"))

    # When two more calls of that day are recorded, one of the session and one of none
    with dynamodb_calls() as in_session:
        record(usage(ann.id, 3, project_id="p1", session_id="s1"))
    with dynamodb_calls() as alone:
        record(usage(ann.id, 6, project_id="p1"))

    # Then each writes its event, its day's tokens and one ADD per item: 10, and 2 session items; the session's
    # new cost goes on its 4 boards (the organization's and ann's, of the day and the month), each read first
    assert dict(alone) == {"PutItem": 1, "UpdateItem": 1 + 10}
    assert dict(in_session) == {"PutItem": 1 + 4, "GetItem": 4, "UpdateItem": 1 + 12}
    assert (writes(alone), writes(in_session)) == (12, 18)
    assert writes(alone) < WRITES_BEFORE["no session"] and writes(in_session) < WRITES_BEFORE["session"]
    print(f"\nDynamoDB writes a call (record(), before -> now): {WRITES_BEFORE} -> no session 12, session 18")


def test_a_tally_adds_a_turns_calls_together_with_one_set_of_writes(ann: Person) -> None:
    # Given a tally that has flushed one turn (the sheets of the day and month exist)
    tally = Tally()
    turn = [usage(ann.id, n, project_id="p1", session_id="s1", model="claude-sonnet-4-5") for n in range(3)]
    for one in turn:
        tally(one)
    tally.flush()

    # When a turn of 5 calls of two models is recorded, then flushed at its end
    calls = [usage(ann.id, n, project_id="p1", session_id="s1", at=turn[0].at) for n in range(3, 8)]
    with dynamodb_calls() as during:
        for one in calls:
            tally(one)
    with dynamodb_calls() as at_the_end:
        flushed = tally.flush()

    # Then each call wrote only its event and tokens; the flush one ADD per item and the 4 boards
    assert dict(during) == {"PutItem": 5, "UpdateItem": 5}
    assert dict(at_the_end) == {"UpdateItem": 12, "GetItem": 4, "PutItem": 4}
    assert (flushed.items, flushed.failed) == (12, 0)
    per_call = (writes(during) + writes(at_the_end)) / len(calls)
    assert per_call == 5.2
    print(f"\nDynamoDB writes a call in a turn of 5 (Tally): {per_call} (before: {WRITES_BEFORE['session']})")
    # and what they add up to is what each call recorded alone would have
    events = list(UsageEvent.scan())
    assert len(events) == 8
    assert aggregates_held() == events_sum(events)
    assert boards_held() == expected_boards(events)


def test_a_tally_flushes_on_its_own_within_seconds_of_a_call(ann: Person) -> None:
    # Given a tally that flushes 50 ms after a call is held, and says when it has
    class Signalling(Tally):
        def __init__(self) -> None:
            super().__init__(flush_seconds=0.05)
            self.flushed = threading.Event()

        def flush(self) -> Any:
            added = super().flush()
            self.flushed.set()
            return added

    tally = Signalling()

    # When a call is recorded and nothing flushes it
    tally(usage(ann.id, 0, session_id="s1"))

    # Then its timer does, and the aggregates hold the call
    assert tally.flushed.wait(timeout=10)
    assert aggregates_held() == events_sum(list(UsageEvent.scan()))


def test_the_ledger_flushes_a_holding_recorder_once_a_tokens_requests_are_settled() -> None:
    # Given a ledger whose recorders are a plain function and one that holds what it gets
    class Holding:
        def __init__(self) -> None:
            self.held: list[ModelUsage] = []
            self.flushed: list[list[ModelUsage]] = []

        def __call__(self, one: ModelUsage) -> None:
            self.held.append(one)

        def flush(self) -> None:
            self.flushed.append(self.held)
            self.held = []

    holding, plain = Holding(), []
    ledger = Ledger([plain.append, holding])
    call = usage("u1", 0)

    # When a request of a token is settled with its row, and the token is waited for
    ledger.open("t1")
    ledger.close("t1", call)
    settled = ledger.wait("t1", timeout=10)
    ledger.shutdown()

    # Then the row reached both, and the holding recorder was flushed with it (and again, empty, at shutdown)
    assert settled
    assert plain == [call]
    assert holding.flushed == [[call], []]
