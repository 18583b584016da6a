"""Workflow 2: sign-in with a username and password, one answer for every bad credential, and rate limits."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt

from shared.accounts import ratelimit
from shared.models.accounts import RateLimit, RateLimitScope, User, rate_limit_bucket
from shared.models.base import utcnow
from tests.support.accounts import (
    CLIENT_IP,
    JWT_SECRET,
    PASSWORD,
    AccountsStack,
    Reply,
    call,
    create_user,
    register_first,
)


def login(username: str, password: str = PASSWORD, *, source_ip: str = CLIENT_IP) -> Reply:
    return call("POST", "/api/auth/login", json_body={"username": username, "password": password}, source_ip=source_ip)


def test_login_records_last_login_and_returns_an_expiring_token(accounts: AccountsStack) -> None:
    # Given a user who never signed in
    admin = register_first()
    alice = create_user(admin, "alice")
    User.get(alice.id).update(actions=[User.last_login.remove()])
    assert User.get(alice.id).last_login is None

    # When she signs in
    before = utcnow()
    reply = login("alice")

    # Then last_login is now, and the token is a JWT for her that expires after the configured lifetime
    assert reply.status == 200
    last_login = User.get(alice.id).last_login
    assert last_login is not None and before <= last_login <= utcnow()
    claims = jwt.decode(reply.json["token"], JWT_SECRET, algorithms=["HS256"], issuer="sasha-studio")
    assert claims["sub"] == alice.id
    assert claims["exp"] - claims["iat"] == accounts.settings.jwt_ttl_seconds
    assert abs(claims["iat"] - time.time()) < 60
    assert reply.json["user"]["id"] == alice.id and reply.json["user"]["lastLogin"] is not None
    assert call("GET", "/api/auth/me", token=reply.json["token"]).json["username"] == "alice"


def test_the_username_is_matched_without_regard_to_case(accounts: AccountsStack) -> None:
    admin = register_first()
    alice = create_user(admin, "Alice")

    reply = login("aLICE")

    assert (reply.status, reply.json["user"]["id"]) == (200, alice.id)


def test_unknown_user_and_wrong_password_get_the_same_answer(accounts: AccountsStack) -> None:
    # Given an account "alice"
    admin = register_first()
    create_user(admin, "alice")

    # When one attempt names nobody and another has the wrong password
    unknown = login("nobody-here")
    wrong = login("alice", "not the password")

    # Then both are the same 401 "Invalid credentials" (only the request id may differ)
    assert unknown.status == wrong.status == 401
    assert unknown.without_request_id() == wrong.without_request_id()
    assert wrong.json["error"] == {
        "code": "invalid_credentials",
        "message": "Invalid credentials",
        "requestId": wrong.json["error"]["requestId"],
    }
    assert unknown.headers.get("www-authenticate") == "Bearer"


def test_a_disabled_account_cannot_sign_in(accounts: AccountsStack) -> None:
    # Given a user an administrator disabled
    admin = register_first()
    bob = create_user(admin, "bob")
    assert call("PATCH", f"/api/admin/users/{bob.id}", json_body={"isActive": False}, token=admin.token).status == 200

    # When bob signs in with the right password
    reply = login("bob")

    # Then he is told the account is disabled (403), and with a wrong password it stays "Invalid credentials"
    assert (reply.status, reply.json["error"]["code"]) == (403, "account_disabled")
    assert login("bob", "wrong password").status == 401


def test_the_eleventh_failure_for_a_username_from_one_address_is_refused_even_with_the_right_password(
    accounts: AccountsStack,
) -> None:
    # Given ten failed attempts for alice from one address
    admin = register_first()
    create_user(admin, "alice")
    for attempt in range(ratelimit.LIMITS[RateLimitScope.LOGIN_USER_IP]):
        assert login("alice", f"guess-{attempt}", source_ip="198.51.100.7").status == 401

    # When the next attempt comes from there, even with the right password
    limited = login("alice", source_ip="198.51.100.7")
    also_limited = login("ALICE", "another guess", source_ip="198.51.100.7")

    # Then it is refused with 429 and a Retry-After within the window
    assert (limited.status, limited.json["error"]["code"]) == (429, "too_many_attempts")
    retry_after = int(limited.headers["retry-after"])
    assert 0 < retry_after <= ratelimit.WINDOW.total_seconds() + 1
    assert "minute" in limited.json["error"]["message"]
    assert also_limited.status == 429
    # and another account is not affected, nor alice from another address
    assert login("admin", source_ip="198.51.100.7").status == 200
    assert login("alice", source_ip="198.51.100.8").status == 200


def test_padding_the_username_with_spaces_does_not_escape_its_rate_limit(accounts: AccountsStack) -> None:
    # Given alice's limit reached from one address
    admin = register_first()
    create_user(admin, "alice")
    for attempt in range(ratelimit.LIMITS[RateLimitScope.LOGIN_USER_IP]):
        login("alice", f"guess-{attempt}", source_ip="198.51.100.250")

    # When the attacker writes the same username with surrounding spaces (the lookup strips them)
    replies = [login(variant, source_ip="198.51.100.250") for variant in (" alice", "alice ", "\talice\n")]

    # Then it is the same account, and the same limit applies
    assert [reply.status for reply in replies] == [429, 429, 429]


def test_many_failures_from_one_address_are_rate_limited_across_usernames(accounts: AccountsStack) -> None:
    # Given a real account, and one address that failed with many different usernames
    admin = register_first()
    create_user(admin, "alice")
    limit = ratelimit.LIMITS[RateLimitScope.LOGIN_IP]
    for attempt in range(limit):
        assert login(f"spray-{attempt}", source_ip="192.0.2.66").status == 401

    # When that address tries a real account with its right password
    limited = login("alice", source_ip="192.0.2.66")

    # Then it is refused, while the same account still signs in from elsewhere
    assert limited.status == 429
    assert int(limited.headers["retry-after"]) > 0
    assert login("alice", source_ip="192.0.2.67").status == 200


def test_a_limit_ends_with_its_window(accounts: AccountsStack) -> None:
    # Given alice's limit reached in a window that started longer ago than the window lasts
    admin = register_first()
    create_user(admin, "alice")
    for attempt in range(ratelimit.LIMITS[RateLimitScope.LOGIN_USER_IP]):
        login("alice", f"guess-{attempt}")
    assert login("alice").status == 429
    bucket = RateLimit.get(rate_limit_bucket(RateLimitScope.LOGIN_USER_IP, "alice", CLIENT_IP))
    bucket.update(actions=[RateLimit.window_start.set(utcnow() - ratelimit.WINDOW - timedelta(seconds=1))])

    # When she signs in again
    reply = login("alice")

    # Then the old failures no longer count
    assert reply.status == 200
