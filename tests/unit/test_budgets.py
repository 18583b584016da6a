"""Monthly budgets (docs/budgets.md): administrators set the organization's and each user's, every model call's
cost and tokens count towards them, a budget warns at 80 % (in the app and by email, once a month) and blocks at
100 % at the model gateway until it resets or an administrator raises it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runner.gateway import ModelGateway
from shared.budgets import months, spend, status
from shared.budgets.errors import BudgetExceededError
from shared.models.base import utcnow
from shared.models.usage import UsageAggregate
from shared.quotas.daily import check_tokens
from shared.realtime import connections
from shared.settings import Settings
from shared.usage import Tally, record
from tests.support.accounts import AccountsStack, Person, call, create_key, create_user, register_first
from tests.support.aws import posted_events
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.unit.gateway_kit import Connect, api, connect, error_of, grant_for, messages_body, read_events, upstream
from tests.unit.test_chat_api import cloud

__all__ = ["api", "cloud", "connect", "upstream"]  # fixtures

ADMIN_BUDGETS = "/api/admin/budgets"
ORGANIZATION = f"{ADMIN_BUDGETS}/organization"


@pytest.fixture
def admin(cloud: Settings) -> Person:
    """The first administrator, with an email address and an open connection."""
    person = register_first("admin", email="admin@example.com")
    connections.remember("conn-admin", user_id=person.id)
    return person


@pytest.fixture
def alice(admin: Person) -> Person:
    person = create_user(admin, "alice", email="alice@example.com")
    connections.remember("conn-alice", user_id=person.id)
    return person


def set_organization(admin: Person, usd: float | None = None, tokens: int | None = None) -> None:
    reply = call("PUT", ORGANIZATION, json_body={"monthlyUsd": usd, "monthlyTokens": tokens}, token=admin.token)
    assert reply.status == 200, reply.json


def set_user(admin: Person, user: Person, usd: float | None = None, tokens: int | None = None, **more: Any) -> None:
    body = {"monthlyUsd": usd, "monthlyTokens": tokens, **more}
    reply = call("PUT", f"{ADMIN_BUDGETS}/users/{user.id}", json_body=body, token=admin.token)
    assert reply.status == 200, reply.json


def mine(person: Person) -> dict[str, Any]:
    reply = call("GET", "/api/budgets/me", token=person.token)
    assert reply.status == 200, reply.json
    return dict(reply.json)


def warnings(connection_id: str) -> list[dict[str, Any]]:
    return [event for event in posted_events(connection_id) if event["type"] == "budget.warning"]


def emails_to(accounts: AccountsStack, address: str) -> list[dict[str, Any]]:
    return [message for message in accounts.postmark.sent() if message["To"] == address]


# --- settings --------------------------------------------------------------------------------------------------------


def test_an_administrator_sets_lists_and_removes_budgets(admin: Person, alice: Person) -> None:
    # Given an organization budget of $500 and alice's own of $50.25 and 2M tokens
    set_organization(admin, usd=500)
    set_user(admin, alice, usd=50.25, tokens=2_000_000)

    # When the budgets are listed, then alice's is removed and they are listed again
    listed = call("GET", ADMIN_BUDGETS, token=admin.token).json
    removed = call("DELETE", f"{ADMIN_BUDGETS}/users/{alice.id}", token=admin.token)
    after = call("GET", ADMIN_BUDGETS, token=admin.token).json

    # Then every account is listed, with its budget or none
    assert listed == {
        "organization": {"monthlyUsd": 500.0, "monthlyTokens": None},
        "users": [
            {"userId": admin.id, "username": "admin", "monthlyUsd": None, "monthlyTokens": None, "exempt": False},
            {"userId": alice.id, "username": "alice", "monthlyUsd": 50.25, "monthlyTokens": 2_000_000, "exempt": False},
        ],
    }
    assert removed.status == 204
    assert after["users"][1] == {
        "userId": alice.id,
        "username": "alice",
        "monthlyUsd": None,
        "monthlyTokens": None,
        "exempt": False,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"monthlyUsd": -1}, "'monthlyUsd' is an amount of dollars from 0 to 10,000,000, or null; not -1."),
        ({"monthlyUsd": 10_000_001}, "'monthlyUsd' is an amount of dollars from 0 to 10,000,000, or null"),
        ({"monthlyTokens": -5}, "'monthlyTokens' is a whole number from 0 to 1,000,000,000,000, or null; not -5."),
        ({"monthlyTokens": 10**13}, "'monthlyTokens' is a whole number from 0 to 1,000,000,000,000"),
        ({"monthlyTokens": 1.5}, "monthlyTokens"),
        ({"monthlyUsd": "500"}, "monthlyUsd"),
        ({"monthly": 5}, "monthly"),
    ],
)
def test_a_budget_out_of_range_or_of_the_wrong_type_is_a_400_that_names_it(
    admin: Person, body: dict[str, Any], message: str
) -> None:
    reply = call("PUT", ORGANIZATION, json_body=body, token=admin.token)

    assert (reply.status, reply.json["error"]["code"]) == (400, "invalid_request")
    assert message in reply.json["error"]["message"]
    assert call("GET", ADMIN_BUDGETS, token=admin.token).json["organization"] == {
        "monthlyUsd": None,
        "monthlyTokens": None,
    }


def test_a_budget_for_an_unknown_user_is_a_404(admin: Person) -> None:
    body = {"monthlyUsd": 5, "monthlyTokens": None, "exempt": False}

    put = call("PUT", f"{ADMIN_BUDGETS}/users/nobody", json_body=body, token=admin.token)
    delete = call("DELETE", f"{ADMIN_BUDGETS}/users/nobody", token=admin.token)

    assert (put.status, delete.status) == (404, 404)


def test_only_an_administrators_session_changes_budgets(admin: Person, alice: Person) -> None:
    # Given alice (no administrator) and a full-scope key of the administrator
    key = create_key(admin, scope="full")["key"]
    body = {"monthlyUsd": 1_000, "monthlyTokens": None}

    # When each asks to read and to change the budgets
    alice_reads = call("GET", ADMIN_BUDGETS, token=alice.token)
    alice_sets = call("PUT", ORGANIZATION, json_body=body, token=alice.token)
    key_reads = call("GET", ADMIN_BUDGETS, api_key=key)
    key_sets = call("PUT", ORGANIZATION, json_body=body, api_key=key)
    key_exempts = call("PUT", f"{ADMIN_BUDGETS}/users/{alice.id}", json_body=body | {"exempt": True}, api_key=key)

    # Then alice is refused both, and the key may read but not change
    assert (alice_reads.status, alice_reads.json["error"]["code"]) == (403, "admin_only")
    assert (alice_sets.status, alice_sets.json["error"]["code"]) == (403, "admin_only")
    assert key_reads.status == 200
    assert (key_sets.status, key_sets.json["error"]["code"]) == (403, "session_required")
    assert (key_exempts.status, key_exempts.json["error"]["code"]) == (403, "session_required")
    assert key_reads.json["organization"] == {"monthlyUsd": None, "monthlyTokens": None}


# --- spend -----------------------------------------------------------------------------------------------------------


def test_spend_is_counted_per_user_and_for_the_organization_per_month_exactly(admin: Person, alice: Person) -> None:
    # Given calls of alice and the administrator this month, and one of alice last month
    now = utcnow()
    for _ in range(3):
        spend.spend(alice.id, 100, 0.1, now)  # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floats
    spend.spend(admin.id, 50, 0.2, now)
    spend.spend(alice.id, 7, 7.0, months.start_of(now) - timedelta(seconds=1))

    # When alice reads where she stands
    standing = mine(alice)

    # Then her month and the organization's hold exactly this month's calls
    assert (standing["month"], standing["spentUsd"], standing["spentTokens"]) == (f"{now:%Y-%m}", 0.3, 300)
    assert standing["organization"] == {"limitUsd": None, "limitTokens": None, "spentUsd": 0.5, "spentTokens": 350}
    assert (standing["percent"], standing["state"]) == (0.0, "ok")


def test_where_a_user_stands_is_the_highest_applicable_ratio(admin: Person, alice: Person) -> None:
    # Given alice's own budget of $10 and 1,000 tokens and the organization's of $100
    set_user(admin, alice, usd=10, tokens=1_000)
    set_organization(admin, usd=100)

    # When she spends $2 and 850 tokens, then $9 more
    spend.spend(alice.id, 850, 2.0, utcnow())
    warned = mine(alice)
    spend.spend(alice.id, 0, 9.0, utcnow())
    blocked = mine(alice)

    # Then 85 % of her tokens is a warning, and $11 of $10 blocks her
    assert (warned["percent"], warned["state"]) == (85.0, "warning")
    assert warned["user"] == {"limitUsd": 10.0, "limitTokens": 1_000, "exempt": False}
    assert (blocked["percent"], blocked["state"]) == (110.0, "blocked")
    now = utcnow()
    next_month = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    assert blocked["resetsAt"] == f"{next_month:%Y-%m-%dT%H:%M:%SZ}"


def test_a_budget_resets_with_the_month(admin: Person, alice: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given alice's budget of $1, used up in March
    set_user(admin, alice, usd=1)
    march = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    spend.spend(alice.id, 10, 1.0, march)
    monkeypatch.setattr(status, "utcnow", lambda: march)
    with pytest.raises(BudgetExceededError):
        status.check(alice.id)

    # When April begins
    monkeypatch.setattr(status, "utcnow", lambda: datetime(2026, 4, 1, 0, 0, 1, tzinfo=UTC))

    # Then she is admitted and her month starts at zero
    status.check(alice.id)
    assert (mine(alice)["month"], mine(alice)["spentUsd"]) == ("2026-04", 0.0)


# --- warnings at 80 % ------------------------------------------------------------------------------------------------


def test_a_users_budget_warns_once_at_80_percent_in_the_app_and_by_email(
    accounts: AccountsStack, admin: Person, alice: Person
) -> None:
    # Given alice's own budget of $10
    set_user(admin, alice, usd=10)
    accounts.postmark.reset()

    # When she spends $7.90 (79 %), then $0.20 (81 %), then $1 more (91 %)
    spend.spend(alice.id, 10, 7.9, utcnow())
    before = list(warnings("conn-alice"))
    spend.spend(alice.id, 10, 0.2, utcnow())
    spend.spend(alice.id, 10, 1.0, utcnow())

    # Then one warning reached her sockets and one email her address, after the call that crossed 80 %
    assert before == []
    assert warnings("conn-alice") == [
        {
            "type": "budget.warning",
            "scope": "user",
            "unit": "usd",
            "percent": 81.0,
            "limit": 10.0,
            "spent": 8.1,
            "month": f"{utcnow():%Y-%m}",
        }
    ]
    [message] = emails_to(accounts, "alice@example.com")
    assert message["Subject"] == "Your monthly budget is 81 % used"
    assert "Your monthly budget of $10.00 is 81 % used ($8.10 so far in" in message["TextBody"]
    assert "An administrator can raise it in Admin → Budgets." in message["TextBody"]
    assert warnings("conn-admin") == []
    assert emails_to(accounts, "admin@example.com") == []


def test_the_organizations_budget_warns_every_administrator_once(
    accounts: AccountsStack, admin: Person, alice: Person
) -> None:
    # Given a second administrator, and the organization's budget of 1,000 tokens
    second = create_user(admin, "second", email="second@example.com", is_admin=True)
    connections.remember("conn-second", user_id=second.id)
    set_organization(admin, tokens=1_000)
    accounts.postmark.reset()

    # When alice's calls take the organization's month to 90 %, then past 100 %
    spend.spend(alice.id, 900, 0.0, utcnow())
    spend.spend(alice.id, 200, 0.0, utcnow())

    # Then each administrator got one warning event and one email; alice got neither
    for connection_id, address in (("conn-admin", "admin@example.com"), ("conn-second", "second@example.com")):
        [event] = warnings(connection_id)
        assert (event["scope"], event["unit"], event["percent"]) == ("organization", "tokens", 90.0)
        assert (event["limit"], event["spent"]) == (1_000, 900)
        [message] = emails_to(accounts, address)
        assert "The organization's monthly budget of 1,000 tokens is 90 % used" in message["TextBody"]
    assert warnings("conn-alice") == []
    assert emails_to(accounts, "alice@example.com") == []


def test_a_warning_that_cannot_be_delivered_never_fails_the_spend(
    accounts: AccountsStack, admin: Person, alice: Person
) -> None:
    set_user(admin, alice, usd=1)
    accounts.postmark.failing = True

    spend.spend(alice.id, 10, 0.9, utcnow())

    assert mine(alice)["spentUsd"] == 0.9
    assert len(warnings("conn-alice")) == 1


# --- enforcement -----------------------------------------------------------------------------------------------------


def test_an_exempt_user_is_blocked_by_no_budget_but_counts_towards_the_organizations(
    admin: Person, alice: Person
) -> None:
    # Given the organization's budget of $1 used up by alice, who is exempt
    set_organization(admin, usd=1)
    set_user(admin, alice, usd=0.5, exempt=True)
    spend.spend(alice.id, 10, 1.5, utcnow())

    # When alice and the administrator ask for another call
    status.check(alice.id)
    with pytest.raises(BudgetExceededError) as refused:
        status.check(admin.id)

    # Then alice may go on; the administrator is refused by the organization's budget that alice's calls used up
    assert refused.value.details["budget"] == "organization"
    assert mine(alice)["state"] == "ok"
    assert mine(admin)["organization"]["spentUsd"] == 1.5


@pytest.fixture
def gateway(cloud: Settings) -> Iterator[ModelGateway]:
    """The runner's gateway: usage events and budgets recorded, quota and budgets checked (no cached verdict)."""
    with ModelGateway(
        recorder=[record, spend.record], admission=[check_tokens, status.check], admission_cache_seconds=0
    ) as started:
        yield started


def test_a_used_up_budget_refuses_the_next_call_at_the_gateway_and_raising_it_lets_the_next_through(
    admin: Person,
    alice: Person,
    api: FakeAnthropic,
    upstream: Any,
    gateway: ModelGateway,
    connect: Connect,
) -> None:
    # Given the organization's budget of $500, used up this month
    set_organization(admin, usd=500)
    spend.spend(alice.id, 1_000, 500.0, utcnow())
    api.script(Reply.text(["Hi"]))
    token = gateway.issue(grant_for(upstream, user_id=alice.id))

    # When alice's turn asks for a model call, then an administrator raises the budget and it asks again
    refused = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)
    refusal = error_of(refused)
    set_organization(admin, usd=600)
    admitted = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)

    # Then the first is a 429 the CLI does not retry, naming the budget, when it resets and how to raise it;
    # the second reaches the API and its cost is counted
    now = utcnow()
    resets = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    assert (refused.status, refused.getheader("x-should-retry")) == (429, "false")
    assert refusal == {
        "type": "rate_limit_error",
        "message": f"The organization's monthly budget of $500.00 is used up (resets on 1 {resets:%b %Y}). "
        "An administrator can raise it in Admin → Budgets.",
    }
    assert admitted.status == 200
    assert read_events(admitted)
    assert len(api.message_requests) == 1
    assert gateway.flush(timeout=10.0, token=token)
    assert mine(alice)["spentTokens"] > 1_000


def test_a_users_own_budget_refuses_with_its_own_message(admin: Person, alice: Person) -> None:
    set_user(admin, alice, tokens=2_000_000)
    spend.spend(alice.id, 2_000_000, 0.0, utcnow())

    with pytest.raises(BudgetExceededError) as refused:
        status.check(alice.id)

    assert refused.value.message.startswith("Your monthly budget of 2,000,000 tokens is used up (resets on 1 ")
    assert refused.value.details["budget"] == "user"
    status.check(admin.id)  # the administrator has no budget of their own


def test_with_a_turns_aggregates_held_back_a_call_that_uses_up_the_budget_blocks_the_next_at_once(
    admin: Person, alice: Person, api: FakeAnthropic, upstream: Any, cloud: Settings, connect: Connect
) -> None:
    # Given the runner's recorders (the usage aggregates held by a Tally until the turn's flush, the budgets
    # counted as each call ends) and alice's budget of 10 tokens, nothing spent
    set_user(admin, alice, tokens=10)
    api.script(Reply.text(["Hi"]), Reply.text(["Again"]))
    recorded = threading.Event()
    tally = Tally(flush_seconds=3600)
    with ModelGateway(
        recorder=[tally, spend.record, lambda _: recorded.set()],
        admission=[check_tokens, status.check],
        admission_cache_seconds=0,
    ) as gateway:
        token = gateway.issue(grant_for(upstream, user_id=alice.id))

        # When her turn makes a call, whose row is recorded, and asks for another before the turn ends (no flush)
        first = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)
        read_events(first)
        assert recorded.wait(timeout=10)
        held = not [row for row in UsageAggregate.scan() if row.partition == "org"]
        second = connect(gateway.base_url).post("/v1/messages", messages_body(), token=token)

    # Then the first went through and used the budget up, and the second is refused by it, though the turn's
    # aggregates were still held
    assert first.status == 200
    assert (second.status, error_of(second)["type"]) == (429, "rate_limit_error")
    assert len(api.message_requests) == 1
    assert held
    assert mine(alice)["state"] == "blocked"
