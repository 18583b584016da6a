"""Workflow 3: password reset by email: one random, expiring, single-use link, and no hint whether an account exists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.accounts import ratelimit
from shared.api.routes.auth import FORGOT_ANSWER
from shared.models.accounts import PasswordReset
from shared.models.base import utcnow
from tests.support.accounts import (
    PASSWORD,
    AccountsStack,
    Person,
    Reply,
    call,
    create_user,
    register_first,
    reset_token_from,
    sign_in,
)

NEW_PASSWORD = "a fresh passphrase for alice"


def forgot(identifier: str, *, source_ip: str = "203.0.113.7") -> Reply:
    return call("POST", "/api/auth/forgot-password", json_body={"identifier": identifier}, source_ip=source_ip)


def verify(token: str) -> Reply:
    return call("GET", "/api/auth/reset-password/verify", query={"token": token})


def reset(token: str, password: str = NEW_PASSWORD) -> Reply:
    return call("POST", "/api/auth/reset-password", json_body={"token": token, "password": password})


def login(username: str, password: str) -> int:
    return call("POST", "/api/auth/login", json_body={"username": username, "password": password}).status


@pytest.fixture
def alice(accounts: AccountsStack) -> Person:
    return create_user(register_first(), "alice", email="alice@example.com")


def test_a_reset_link_is_emailed_verifies_and_works_once(accounts: AccountsStack, alice: Person) -> None:
    # Given alice forgot her password
    answer = forgot("alice")
    assert (answer.status, answer.json) == (202, {"message": FORGOT_ANSWER})

    # Then exactly one email went to her address, with a link to the reset page
    [message] = accounts.postmark.sent()
    assert (message["To"], message["Tag"], message["Subject"]) == (
        "alice@example.com",
        "password-reset",
        "Reset your Sasha Studio password",
    )
    token = reset_token_from(message)
    # and only the token's SHA-256 is stored
    [stored] = PasswordReset.scan()
    assert token not in stored.token_hash and len(stored.token_hash) == 64

    # When she opens the link and chooses a new password
    check = verify(token)
    assert (check.status, check.json) == (200, {"valid": True, "username": "alice"})
    done = reset(token)

    # Then the new password works, the old one and her old sessions do not, and the link is spent
    assert done.status == 200
    assert login("alice", NEW_PASSWORD) == 200
    assert login("alice", PASSWORD) == 401
    assert call("GET", "/api/auth/me", token=alice.token).code == "token_revoked"
    assert PasswordReset.get(stored.token_hash).used_at is not None
    again = reset(token, "yet another passphrase")
    assert (again.status, again.code) == (400, "invalid_reset_token")
    assert verify(token).status == 400
    assert login("alice", NEW_PASSWORD) == 200


def test_the_email_address_also_finds_the_account(accounts: AccountsStack, alice: Person) -> None:
    assert forgot("  ALICE@example.COM ").status == 202

    assert [message["To"] for message in accounts.postmark.sent()] == ["alice@example.com"]


def test_an_expired_link_is_refused(accounts: AccountsStack, alice: Person) -> None:
    # Given a link whose expiry has passed (the TTL sweep has not removed it yet)
    forgot("alice")
    token = reset_token_from(accounts.postmark.sent()[0])
    [stored] = PasswordReset.scan()
    stored.update(actions=[PasswordReset.expires_at.set(utcnow() - timedelta(seconds=1))])

    # When it is checked and used
    check, used = verify(token), reset(token)

    # Then both are refused and the password is unchanged
    assert (check.status, check.code) == (400, "invalid_reset_token")
    assert (used.status, used.code) == (400, "invalid_reset_token")
    assert login("alice", PASSWORD) == 200


@pytest.mark.parametrize("token", ["made-up-token", "x" * 200, "A" * 43])
def test_an_unknown_token_is_refused(alice: Person, token: str) -> None:
    assert (verify(token).status, reset(token).status) == (400, 400)
    assert reset(token).code == "invalid_reset_token"


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(accounts: AccountsStack, alice: Person) -> None:
    forgot("alice")
    token = reset_token_from(accounts.postmark.sent()[0])

    weak = reset(token, "short")

    assert (weak.status, weak.code) == (400, "weak_password")
    assert verify(token).status == 200


def test_using_one_link_cancels_the_others(accounts: AccountsStack, alice: Person) -> None:
    # Given two links sent to alice
    forgot("alice")
    forgot("alice")
    first, second = (reset_token_from(message) for message in accounts.postmark.sent())

    # When she uses the second one
    assert reset(second).status == 200

    # Then the first one no longer works
    assert verify(first).status == 400


def test_no_deliverable_account_gets_the_same_answer_and_no_email(accounts: AccountsStack, alice: Person) -> None:
    # Given an account without email, and a disabled account with one
    admin = sign_in("admin")
    create_user(admin, "no-email")
    carol = create_user(admin, "carol", email="carol@example.com")
    call("PATCH", f"/api/admin/users/{carol.id}", json_body={"isActive": False}, token=admin.token)
    existing = forgot("alice")
    accounts.postmark.reset()

    # When resets are asked for nobody, for them, and for an unknown address
    replies = [forgot(who) for who in ("nobody", "no-email", "carol", "ghost@example.com")]

    # Then every answer is the one an existing account gets, and no email was sent
    assert {reply.status for reply in replies} == {202}
    assert all(reply.without_request_id() == existing.without_request_id() for reply in replies)
    assert accounts.postmark.sent() == []
    assert list(PasswordReset.scan(PasswordReset.user_id != alice.id)) == []


def test_when_postmark_fails_the_request_fails_and_no_usable_link_exists(
    accounts: AccountsStack, alice: Person
) -> None:
    # Given Postmark answering 500
    accounts.postmark.failing = True

    # When alice asks for a reset
    reply = forgot("alice")

    # Then she is told it failed (500, logged), and the token never left the server: only its hash is stored,
    # so the stored row cannot be used by anyone; it expires with its TTL.
    assert (reply.status, reply.code) == (500, "email_failed")
    assert "try again" in reply.json["error"]["message"]
    assert [row.used_at for row in PasswordReset.scan()] == [None]
    # and once Postmark is back, a new request sends a link that works
    accounts.postmark.failing = False
    assert forgot("alice").status == 202
    assert reset(reset_token_from(accounts.postmark.sent()[0])).status == 200


def test_without_email_configured_the_answer_says_so(accounts: AccountsStack, alice: Person) -> None:
    # Given an installation without a Postmark token
    accounts.configure(STUDIO_POSTMARK_TOKEN=None)
    assert call("GET", "/api/auth/status").json["emailEnabled"] is False

    # When a reset is asked for
    reply = forgot("alice")

    # Then the answer is 503 with a message that says what to do instead
    assert (reply.status, reply.code) == (503, "email_not_configured")
    assert "administrator" in reply.json["error"]["message"]
    assert list(PasswordReset.scan()) == []


def test_reset_requests_are_rate_limited_per_account(accounts: AccountsStack, alice: Person) -> None:
    # Given the most reset requests one account may get in a window
    for attempt in range(ratelimit.LIMITS[ratelimit.RateLimitScope.RESET_USER]):
        assert forgot("alice", source_ip=f"198.51.100.{attempt}").status == 202
    sent = len(accounts.postmark.sent())

    # When more come, also spelled with surrounding spaces
    replies = [forgot(variant, source_ip="198.51.100.99") for variant in ("alice", " alice", "alice ")]

    # Then they are refused with Retry-After, and alice's inbox is not flooded
    assert [reply.status for reply in replies] == [429, 429, 429]
    assert int(replies[0].headers["retry-after"]) > 0
    assert len(accounts.postmark.sent()) == sent


def test_reset_requests_are_rate_limited_per_address(accounts: AccountsStack, alice: Person) -> None:
    for attempt in range(ratelimit.LIMITS[ratelimit.RateLimitScope.RESET_IP]):
        forgot(f"someone-{attempt}", source_ip="192.0.2.9")

    assert forgot("alice", source_ip="192.0.2.9").status == 429
    assert forgot("alice", source_ip="192.0.2.10").status == 202
