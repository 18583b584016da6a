"""Workflow 1: the first visitor registers and becomes the administrator; then registration is closed for good."""

from __future__ import annotations

import jwt
import pytest

from shared.models.accounts import User
from shared.models.counters import ACTIVE_ADMINS, Counter
from tests.support.accounts import (
    JWT_SECRET,
    PASSWORD,
    AccountsStack,
    call,
    create_user,
    register_first,
    run_together,
)


def register(username: str = "founder", **fields: object) -> object:
    return call("POST", "/api/auth/register", json_body={"username": username, "password": PASSWORD, **fields})


def test_the_first_registration_creates_an_admin_and_signs_them_in(accounts: AccountsStack) -> None:
    # Given an installation without accounts
    before = call("GET", "/api/auth/status")
    assert before.status == 200
    assert before.json == {"needsSetup": True, "setupTokenRequired": False, "emailEnabled": True}

    # When the first visitor registers
    reply = call(
        "POST",
        "/api/auth/register",
        json_body={"username": "Founder", "password": PASSWORD, "email": "founder@example.com"},
    )

    # Then they are an active administrator with a working, expiring session token
    assert reply.status == 201
    user = reply.json["user"]
    assert (user["username"], user["email"], user["isAdmin"], user["isActive"]) == (
        "Founder",
        "founder@example.com",
        True,
        True,
    )
    claims = jwt.decode(reply.json["token"], JWT_SECRET, algorithms=["HS256"], issuer="sasha-studio")
    assert claims["sub"] == user["id"]
    assert claims["exp"] > claims["iat"]
    me = call("GET", "/api/auth/me", token=reply.json["token"])
    assert (me.status, me.json["id"]) == (200, user["id"])
    # and the password is stored only as a bcrypt hash
    row = User.get(user["id"])
    assert row.password_hash.startswith("$2") and PASSWORD not in row.password_hash
    assert Counter.get(ACTIVE_ADMINS).value == 1
    # and the sign-in screen replaces the first-run screen
    assert call("GET", "/api/auth/status").json["needsSetup"] is False


def test_a_second_registration_is_refused_and_creates_nothing(accounts: AccountsStack) -> None:
    # Given a first administrator
    register_first()

    # When someone else tries to register
    reply = register("intruder")

    # Then registration is closed, with a message that says what to do
    assert reply.status == 403
    assert reply.json["error"]["code"] == "registration_closed"
    assert "administrator" in reply.json["error"]["message"]
    assert [row.username for row in User.scan()] == ["admin"]


def test_registration_stays_closed_after_the_first_admin_is_deleted(accounts: AccountsStack) -> None:
    # Given the first admin and a second admin who deletes the first one
    first = register_first()
    second = create_user(first, "second-admin", is_admin=True)
    assert call("DELETE", f"/api/admin/users/{first.id}", token=second.token).status == 204

    # When someone registers again
    reply = register("newcomer")

    # Then it is still closed: the bootstrap claim is never released
    assert reply.status == 403
    assert reply.json["error"]["code"] == "registration_closed"
    assert call("GET", "/api/auth/status").json["needsSetup"] is False


@pytest.mark.parametrize(
    ("presented", "status", "code"),
    [
        (None, 403, "setup_token_required"),
        ("", 403, "setup_token_required"),
        ("wrong-token", 403, "setup_token_required"),
        ("the-setup-token ", 403, "setup_token_required"),
        ("the-setup-token", 201, None),
    ],
)
def test_a_configured_setup_token_guards_the_first_registration(
    accounts: AccountsStack, presented: str | None, status: int, code: str | None
) -> None:
    # Given an installation deployed with a setup token
    accounts.configure(STUDIO_SETUP_TOKEN="the-setup-token")
    assert call("GET", "/api/auth/status").json["setupTokenRequired"] is True

    # When the first visitor registers with (or without) it
    fields = {} if presented is None else {"setupToken": presented}
    reply = register(**fields)

    # Then only the exact token opens registration
    assert reply.status == status
    assert (reply.json.get("error") or {}).get("code") == code
    assert call("GET", "/api/auth/status").json["needsSetup"] is (status != 201)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"username": "\u0430dmin"}, "invalid_username"),  # Cyrillic a (U+0430)
        ({"username": "\uff41dmin"}, "invalid_username"),  # fullwidth a
        ({"username": "ad\u200dmin"}, "invalid_username"),  # zero-width joiner
        ({"username": "ad\x00min"}, "invalid_username"),
        ({"username": "' OR 1=1 --"}, "invalid_username"),
        ({"username": "a" * 65}, "invalid_request"),
        ({"password": "short"}, "weak_password"),
        ({"password": None}, "invalid_request"),
        ({"email": "nobody@"}, "invalid_email"),
        ({"isAdmin": False}, "invalid_request"),
    ],
)
def test_a_bad_first_registration_is_refused_and_setup_stays_open(
    accounts: AccountsStack, fields: dict[str, object], code: str
) -> None:
    # When the first visitor submits a bad form
    body = {"username": "founder", "password": PASSWORD, **fields}
    reply = call("POST", "/api/auth/register", json_body={k: v for k, v in body.items() if v is not None})

    # Then it is a 400 that names the problem, no account exists, and the first-run screen stays
    assert (reply.status, reply.code) == (400, code)
    assert list(User.scan()) == []
    assert call("GET", "/api/auth/status").json["needsSetup"] is True


@pytest.mark.parametrize("racers", [2, 10])
def test_racing_first_registrations_leave_exactly_one_admin(
    accounts: AccountsStack, serialized_moto: None, racers: int
) -> None:
    # Given an empty installation and several visitors submitting the first-run form at the same moment
    attempts = [lambda n=n: register(f"racer-{n}") for n in range(racers)]

    # When their requests run concurrently
    replies = run_together(attempts)

    # Then exactly one became the administrator; every other one was told registration is closed
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [201] + [403] * (racers - 1)
    assert {reply.json["error"]["code"] for reply in replies if reply.status == 403} <= {"registration_closed"}
    rows = list(User.scan())
    assert len(rows) == 1
    assert rows[0].is_admin is True
    assert Counter.get(ACTIVE_ADMINS).value == 1
