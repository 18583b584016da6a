"""The daily quotas (docs/accounts.md, "Administrator settings"): chat turns per user per UTC day, counted when a
message is accepted, and model tokens per user per UTC day, counted as calls are recorded and enforced by the
model gateway before it forwards a call."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from runner.gateway import ModelGateway
from runner.gateway.admission import AHEAD_SECONDS, Admission
from shared.accounts.domain import Principal
from shared.chat import turns
from shared.models.chat import RawExchange, Session
from shared.quotas import counter, daily
from shared.quotas.errors import TurnQuotaError
from shared.settings import Settings
from shared.usage import ModelUsage, record, tokens_on
from tests.support.accounts import Person, call, register_first
from tests.support.aws import queued_messages
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.unit.gateway_kit import Connect, api, connect, error_of, grant_for, messages_body, read_events, upstream
from tests.unit.test_chat_api import cloud, person, say
from tests.unit.test_quotas import DEFAULTS, SETTINGS

__all__ = ["api", "cloud", "connect", "upstream"]  # fixtures


@pytest.fixture
def admin(cloud: Settings) -> Person:
    return register_first("admin")


def set_quotas(admin: Person, **changes: int) -> None:
    reply = call("PUT", SETTINGS, json_body=DEFAULTS | changes, token=admin.token)
    assert reply.status == 200, reply.json


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The daily quotas' clock, at 14:40:00 UTC on 2 March 2026; set `clock[0]` to move it."""
    now = [datetime(2026, 3, 2, 14, 40, tzinfo=UTC)]
    monkeypatch.setattr(counter, "utcnow", lambda: now[0])
    monkeypatch.setattr(daily, "utcnow", lambda: now[0])
    return now


@pytest.fixture
def alice(cloud: Settings) -> tuple[Principal, str]:
    """Alice, with an open connection and a project."""
    return person("alice")


def send(alice: tuple[Principal, str], message: str) -> dict[str, Any]:
    """Alice's chat.send of `message` in a new session, over the WebSocket: the last event it brought her."""
    _, project_id = alice
    return say("alice", action="chat.send", projectId=project_id, message=message, clientMessageId=message)[-1]


def run(refusal: Coroutine[Any, Any, str | None]) -> str | None:
    """Await `refusal` on a loop of its own (asyncio.run would unset the main thread's loop other tests use)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(refusal)
    finally:
        loop.close()


def usage(user_id: str, tokens_in: int, tokens_out: int, at: datetime) -> ModelUsage:
    return ModelUsage(
        user_id=user_id,
        kind="chat",
        model="claude-sonnet-4-5",
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cache_read_tokens=9_000,
        cache_write_tokens=600,
        cost_usd=0.01,
        duration_ms=800,
        at=at,
    )


# --- turns per day ---------------------------------------------------------------------------------------------------


def test_the_days_turns_are_limited_and_a_refusal_reaches_the_websocket_client(
    cloud: Settings, admin: Person, alice: tuple[Principal, str], clock: list[datetime]
) -> None:
    # Given a limit of 2 turns a day, and alice's 2 today
    set_quotas(admin, turnsPerDay=2)
    first, second = send(alice, "one"), send(alice, "two")

    # When she sends a third message
    refused = send(alice, "three")

    # Then it is an error event naming the limit, its value and when it resets; no session, turn or job was made
    assert (first["type"], second["type"]) == ("message.accepted", "message.accepted")
    assert (refused["type"], refused["code"], refused["clientMessageId"]) == ("error", "turn_quota_exceeded", "three")
    assert refused["message"] == (
        "You have sent today's chat messages: at most 2 a day (turnsPerDay = 2). "
        "The count starts again at 00:00 UTC on 2026-03-03, in 9 hours 20 minutes."
    )
    assert Session.count() == 2
    assert RawExchange.count() == 2
    assert len(queued_messages(cloud)) == 2


def test_a_refused_turn_is_a_429_with_retry_after_and_details(
    admin: Person, alice: tuple[Principal, str], clock: list[datetime]
) -> None:
    set_quotas(admin, turnsPerDay=1)
    send(alice, "one")
    caller, project_id = alice

    with pytest.raises(TurnQuotaError) as refused:
        turns.send(caller, project_id=project_id, session_id=None, message="two")

    error = refused.value
    assert (error.status, error.code, error.retry_after) == (429, "turn_quota_exceeded", 9 * 3600 + 20 * 60)
    assert error.details == {
        "limit": "turnsPerDay",
        "value": 1,
        "resetsAt": "2026-03-03T00:00:00Z",
        "retryAfter": 9 * 3600 + 20 * 60,
    }


def test_the_turn_count_starts_again_the_next_utc_day(
    admin: Person, alice: tuple[Principal, str], clock: list[datetime]
) -> None:
    # Given alice's one turn of a day that allows one
    set_quotas(admin, turnsPerDay=1)
    send(alice, "one")
    assert send(alice, "two")["type"] == "error"

    # When the UTC day changes
    clock[0] = datetime(2026, 3, 3, 0, 0, 1, tzinfo=UTC)

    # Then her next message is accepted
    assert send(alice, "three")["type"] == "message.accepted"


def test_an_administrator_raising_the_limit_applies_at_once(
    admin: Person, alice: tuple[Principal, str], clock: list[datetime]
) -> None:
    set_quotas(admin, turnsPerDay=1)
    send(alice, "one")
    assert send(alice, "two")["code"] == "turn_quota_exceeded"

    set_quotas(admin, turnsPerDay=3)

    assert send(alice, "three")["type"] == "message.accepted"


def test_an_administrator_lowering_the_limit_applies_at_once_and_the_refused_turn_counts_nowhere(
    admin: Person, alice: tuple[Principal, str], clock: list[datetime]
) -> None:
    # Given a limit of 5 and alice's 2 turns today: a turn is counted against 5 while the limits are read
    set_quotas(admin, turnsPerDay=5)
    send(alice, "one"), send(alice, "two")

    # When the administrator lowers it to 2, her next message is refused (counted against 5, then given back)
    set_quotas(admin, turnsPerDay=2)
    assert send(alice, "three")["code"] == "turn_quota_exceeded"

    # Then the day holds her 2 turns: at 3 a day, one more is accepted, and no other
    set_quotas(admin, turnsPerDay=3)
    assert send(alice, "four")["type"] == "message.accepted"
    assert send(alice, "five")["code"] == "turn_quota_exceeded"
    assert RawExchange.count() == 3


def test_the_new_limits_are_validated_like_the_others(admin: Person) -> None:
    low = call("PUT", SETTINGS, json_body=DEFAULTS | {"tokensPerDay": 999}, token=admin.token)
    none = call("PUT", SETTINGS, json_body=DEFAULTS | {"turnsPerDay": 0}, token=admin.token)

    assert (low.status, none.status) == (400, 400)
    assert "'tokensPerDay' is a whole number from 1,000 to 10,000,000,000, not 999." in low.json["error"]["message"]
    assert "'turnsPerDay' is a whole number from 1 to 100,000, not 0." in none.json["error"]["message"]
    assert call("GET", SETTINGS, token=admin.token).json == DEFAULTS


# --- tokens per day --------------------------------------------------------------------------------------------------


def test_recording_a_call_adds_its_input_and_output_tokens_to_the_users_day(cloud: Settings) -> None:
    # Given two calls of alice on 2 March, one late on 1 March, and one of bob
    march_2 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    record(usage("alice-id", 300, 45, march_2))
    record(usage("alice-id", 1_000, 200, march_2.replace(hour=23, minute=59)))
    record(usage("alice-id", 7, 3, datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)))
    record(usage("bob-id", 50, 50, march_2))

    # Then each UTC day holds its calls' input and output tokens (cache reads and writes do not count)
    assert tokens_on("alice-id", march_2.date()) == 1_545
    assert tokens_on("alice-id", datetime(2026, 3, 1, tzinfo=UTC).date()) == 10
    assert tokens_on("bob-id", march_2.date()) == 100
    assert tokens_on("carol-id", march_2.date()) == 0


@pytest.fixture
def gateway(cloud: Settings) -> Iterator[ModelGateway]:
    with ModelGateway(recorder=record, admission=daily.check_tokens) as started:
        yield started


def test_the_gateway_refuses_a_call_once_the_users_tokens_today_reach_the_limit(
    admin: Person, clock: list[datetime], api: FakeAnthropic, upstream: Any, gateway: ModelGateway, connect: Connect
) -> None:
    # Given a limit of 1,000 tokens a day, u1 at 1,000 today and u2 at 999
    set_quotas(admin, tokensPerDay=1_000)
    record(usage("u1", 900, 100, clock[0]))
    record(usage("u2", 900, 99, clock[0]))
    api.script(Reply.text(["Hi"]))

    # When each asks for another model call
    over = connect(gateway.base_url).post("/v1/messages", messages_body(), token=gateway.issue(grant_for(upstream)))
    under = connect(gateway.base_url).post(
        "/v1/messages", messages_body(), token=gateway.issue(grant_for(upstream, user_id="u2"))
    )

    # Then u1's is a 429 in the Anthropic shape, not to be retried, that says which limit and when it resets;
    # u2's goes through; only one call reached the API
    assert (over.status, over.getheader("x-should-retry")) == (429, "false")
    assert error_of(over) == {
        "type": "rate_limit_error",
        "message": "You have used today's model tokens: 1,000 of at most 1,000 a day (tokensPerDay = 1000). "
        "The count starts again at 00:00 UTC on 2026-03-03, in 9 hours 20 minutes.",
    }
    assert under.status == 200
    assert read_events(under)
    assert len(api.message_requests) == 1


def test_count_tokens_is_not_refused_by_the_token_quota(
    admin: Person, clock: list[datetime], api: FakeAnthropic, upstream: Any, gateway: ModelGateway, connect: Connect
) -> None:
    set_quotas(admin, tokensPerDay=1_000)
    record(usage("u1", 1_000, 0, clock[0]))

    answer = connect(gateway.base_url).post(
        "/v1/messages/count_tokens", messages_body(), token=gateway.issue(grant_for(upstream))
    )

    assert answer.status == 200


def test_admission_reads_the_quota_at_most_every_few_seconds_and_admits_again_the_next_day(
    admin: Person, clock: list[datetime]
) -> None:
    # Given u1 at the limit, and an admission whose cache runs on a clock of our own
    set_quotas(admin, tokensPerDay=1_000)
    record(usage("u1", 600, 400, clock[0]))
    checks: list[str] = []
    seconds = [100.0]

    def check(user_id: str) -> None:
        checks.append(user_id)
        daily.check_tokens(user_id)

    admission = Admission(check, cache_seconds=5.0, clock=lambda: seconds[0])

    # When u1 asks twice within the cache's seconds, then after the UTC day changed and the cache expired
    first = run(admission.refusal("u1"))
    seconds[0] += 4.9
    cached = run(admission.refusal("u1"))
    clock[0] = datetime(2026, 3, 3, 0, 0, 5, tzinfo=UTC)
    still_cached = run(admission.refusal("u1"))
    seconds[0] += 0.2
    next_day = run(admission.refusal("u1"))

    # Then the first two (and the one still cached) are refusals from one read, and the next day's is admitted
    assert first is not None and "tokensPerDay = 1000" in first
    assert cached == still_cached == first
    assert next_day is None
    assert checks == ["u1", "u1"]


def test_admission_admits_when_the_quota_cannot_be_read() -> None:
    def broken(user_id: str) -> None:
        raise RuntimeError("the table is unreachable")

    assert run(Admission(broken).refusal("u1")) is None


def test_calls_that_come_while_the_checks_run_wait_for_the_same_answer_and_a_turn_asks_ahead() -> None:
    # Given checks that take a moment, counted
    asked: list[str] = []
    release = threading.Event()

    def slow(user_id: str) -> None:
        asked.append(user_id)
        release.wait(5)

    admission = Admission(slow)

    # When three calls of u1 come at once, then the checks run once and all three get the verdict
    async def three() -> list[str | None]:
        calls = [asyncio.ensure_future(admission.refusal("u1")) for _ in range(3)]
        await asyncio.sleep(0.05)
        release.set()
        return list(await asyncio.gather(*calls))

    assert run(three()) == [None, None, None]
    assert asked == ["u1"]

    # And a gateway asked ahead for a user (a turn beginning) has the verdict before the first call comes; asked
    # again as a turn's usage is recorded (no time to spare), it asks the checks again though the verdict holds
    ahead: list[str] = []
    with ModelGateway(recorder=lambda *_: None, admission=ahead.append) as gateway:
        for times, within in ((1, AHEAD_SECONDS), (1, AHEAD_SECONDS), (2, math.inf)):
            gateway.ahead("u2", within=within)
            deadline = time.monotonic() + 5
            while len(ahead) < times and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.05)
            assert ahead == ["u2"] * times


def test_a_turn_asking_ahead_renews_a_verdict_about_to_run_out_and_calls_meanwhile_get_the_kept_one() -> None:
    # Given an admission whose verdicts hold 5 s on a clock of our own, its checks counted
    checks: list[str] = []
    seconds = [100.0]
    admission = Admission(checks.append, cache_seconds=5.0, clock=lambda: seconds[0])

    async def a_turn_then_another() -> tuple[list[str], str | None, str | None]:
        await admission.refusal("u1")  # a verdict until 105
        seconds[0] = 102.0
        await admission.ahead("u1")  # 3 s left: kept as it is
        await asyncio.sleep(0.05)
        before = list(checks)
        seconds[0] = 103.5
        await admission.ahead("u1")  # 1.5 s left: asked again, in the background
        meanwhile = await admission.refusal("u1")  # the kept verdict, without waiting for the new one
        await asyncio.sleep(0.1)
        seconds[0] = 106.0
        return before, meanwhile, await admission.refusal("u1")  # the renewed one (until 108.5): no check

    before, meanwhile, later = run(a_turn_then_another())
    assert before == ["u1"]
    assert meanwhile is None and later is None
    assert checks == ["u1", "u1"]

    # And asked ahead with no time to spare (a turn's usage was just recorded), it asks again a verdict that holds
    async def after_a_turn() -> list[str]:
        asked = len(checks)
        await admission.ahead("u1", within=math.inf)
        await asyncio.sleep(0.1)
        return checks[asked:]

    assert run(after_a_turn()) == ["u1"]


def test_admission_asks_its_checks_at_once_and_the_first_refusal_in_their_order_is_said() -> None:
    # Given two checks that each wait until the other has started (asked one after the other, neither would end)
    both = threading.Barrier(2, timeout=5)

    def quota(user_id: str) -> None:
        both.wait()
        raise TurnQuotaError(10, datetime(2026, 3, 3, tzinfo=UTC), 60)

    def budget(user_id: str) -> None:
        both.wait()
        raise RuntimeError("the budgets table is unreachable")

    # When u1's next call is asked about, then both ran, and the quota's refusal is the answer
    refusal = run(Admission([budget, quota]).refusal("u1"))
    assert refusal is not None and "turnsPerDay = 10)" in refusal
    assert not both.broken

    # And with both refusing, the first check's refusal is said
    def budget_refuses(user_id: str) -> None:
        raise TurnQuotaError(99, datetime(2026, 3, 3, tzinfo=UTC), 60)

    first = run(Admission([budget_refuses, quota_alone]).refusal("u2"))
    assert first is not None and "turnsPerDay = 99)" in first


def quota_alone(user_id: str) -> None:
    raise TurnQuotaError(10, datetime(2026, 3, 3, tzinfo=UTC), 60)
