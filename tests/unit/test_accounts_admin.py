"""Workflow 11: administrators create, change and email accounts; at least one active administrator always remains."""

from __future__ import annotations

from typing import Any

import pytest

from shared.models.accounts import User
from shared.models.counters import ACTIVE_ADMINS, Counter
from tests.support.accounts import (
    PASSWORD,
    AccountsStack,
    Person,
    Reply,
    call,
    create_user,
    register_first,
    run_together,
)


def admin_call(admin: Person, method: str, path: str = "", body: Any = None) -> Reply:
    kwargs = {} if body is None else {"json_body": body}
    return call(method, f"/api/admin/users{path}", token=admin.token, **kwargs)


def login(username: str, password: str = PASSWORD) -> int:
    return call("POST", "/api/auth/login", json_body={"username": username, "password": password}).status


@pytest.fixture
def admin(accounts: AccountsStack) -> Person:
    return register_first(email="admin@example.com")


def test_an_admin_creates_an_account_that_can_sign_in(admin: Person) -> None:
    # When the admin creates bob
    reply = admin_call(admin, "POST", body={"username": "bob", "password": PASSWORD, "email": "bob@example.com"})

    # Then bob exists as an active non-admin, is listed, and can sign in
    assert reply.status == 201
    assert {k: reply.json[k] for k in ("username", "email", "isAdmin", "isActive", "lastLogin")} == {
        "username": "bob",
        "email": "bob@example.com",
        "isAdmin": False,
        "isActive": True,
        "lastLogin": None,
    }
    assert admin_call(admin, "GET", f"/{reply.json['id']}").json == reply.json
    assert [user["username"] for user in admin_call(admin, "GET").json] == ["admin", "bob"]
    assert login("bob") == 200
    assert "password" not in str(reply.json).lower()


@pytest.mark.parametrize(
    ("username", "email", "code"),
    [
        ("bob", None, "username_taken"),
        ("BOB", None, "username_taken"),
        ("Bob", "other@example.com", "username_taken"),
        ("robert", "BOB@example.com", "email_taken"),
        ("robert", "admin@example.com", "email_taken"),
    ],
)
def test_a_duplicate_username_or_email_is_a_conflict(
    admin: Person, username: str, email: str | None, code: str
) -> None:
    # Given bob
    create_user(admin, "bob", email="bob@example.com")

    # When another account would take his name (in any case) or his email
    reply = admin_call(admin, "POST", body={"username": username, "password": PASSWORD, "email": email})

    # Then it is refused and nothing is created
    assert (reply.status, reply.code) == (409, code)
    assert sorted(row.username for row in User.scan()) == ["admin", "bob"]


def test_the_admin_flag_gives_admin_rights(admin: Person) -> None:
    helper = create_user(admin, "helper", is_admin=True)
    plain = create_user(admin, "plain")

    assert call("GET", "/api/admin/users", token=helper.token).status == 200
    assert call("GET", "/api/admin/users", token=plain.token).code == "admin_only"
    assert Counter.get(ACTIVE_ADMINS).value == 2


def test_an_admin_changes_flags_email_and_password(admin: Person) -> None:
    # Given bob, signed in
    bob = create_user(admin, "bob", email="bob@example.com")

    # When the admin promotes him and changes his email
    promoted = admin_call(admin, "PATCH", f"/{bob.id}", {"isAdmin": True, "email": "robert@example.com"})

    # Then he is an admin with the new email, and his session still works (no password change)
    assert (promoted.status, promoted.json["isAdmin"], promoted.json["email"]) == (200, True, "robert@example.com")
    assert call("GET", "/api/admin/users", token=bob.token).status == 200
    # and his old address is free again
    assert create_user(admin, "other", email="bob@example.com").email == "bob@example.com"

    # When the admin sets his password
    assert admin_call(admin, "PATCH", f"/{bob.id}", {"password": "set by the admin"}).status == 200

    # Then only the new password signs him in
    assert login("bob") == 401
    assert login("bob", "set by the admin") == 200

    # When the admin disables him
    disabled = admin_call(admin, "PATCH", f"/{bob.id}", {"isActive": False})

    # Then he cannot sign in, and the admin count dropped back
    assert (disabled.status, disabled.json["isActive"]) == (200, False)
    assert login("bob", "set by the admin") == 403
    assert Counter.get(ACTIVE_ADMINS).value == 1


def test_removing_an_email_and_an_unknown_user(admin: Person) -> None:
    bob = create_user(admin, "bob", email="bob@example.com")

    assert admin_call(admin, "PATCH", f"/{bob.id}", {"email": None}).json["email"] is None
    for method in ("GET", "PATCH", "DELETE"):
        reply = admin_call(admin, method, "/no-such-user", {} if method == "PATCH" else None)
        assert (reply.status, reply.code) == (404, "user_not_found")


def test_a_welcome_email_is_sent(accounts: AccountsStack, admin: Person) -> None:
    bob = create_user(admin, "bob", email="bob@example.com")

    reply = admin_call(admin, "POST", f"/{bob.id}/welcome-email")

    assert (reply.status, reply.json["sent"]) == (202, True)
    [message] = accounts.postmark.sent()
    assert (message["To"], message["Tag"]) == ("bob@example.com", "welcome")
    assert "bob" in message["TextBody"] and "https://studio.example.test/" in message["TextBody"]


def test_a_failed_welcome_email_does_not_fail_the_request(accounts: AccountsStack, admin: Person) -> None:
    # Given Postmark failing
    bob = create_user(admin, "bob", email="bob@example.com")
    accounts.postmark.failing = True

    # When the welcome email is sent
    reply = admin_call(admin, "POST", f"/{bob.id}/welcome-email")

    # Then the request succeeds and says the email was not sent; the account is untouched
    assert (reply.status, reply.json["sent"]) == (202, False)
    assert "could not be sent" in reply.json["message"]
    assert login("bob") == 200


def test_a_welcome_email_without_an_address_or_without_email_configured(accounts: AccountsStack, admin: Person) -> None:
    no_email = create_user(admin, "no-email")
    bob = create_user(admin, "bob", email="bob@example.com")

    missing = admin_call(admin, "POST", f"/{no_email.id}/welcome-email")
    accounts.configure(STUDIO_POSTMARK_TOKEN=None)
    unconfigured = admin_call(admin, "POST", f"/{bob.id}/welcome-email")

    assert (missing.status, missing.code) == (400, "no_email")
    assert (unconfigured.status, unconfigured.json["sent"]) == (202, False)
    assert accounts.postmark.sent() == []


@pytest.mark.parametrize(
    ("method", "body"),
    [("PATCH", {"isAdmin": False}), ("PATCH", {"isActive": False}), ("DELETE", None)],
    ids=["demote", "disable", "delete"],
)
def test_the_last_admin_cannot_be_demoted_disabled_or_deleted(admin: Person, method: str, body: Any) -> None:
    # Given one administrator and a plain user
    create_user(admin, "plain")

    # When the administrator would remove their own admin rights
    reply = admin_call(admin, method, f"/{admin.id}", body)

    # Then it is refused with a message that says what to do first, and nothing changed
    assert (reply.status, reply.code) == (409, "last_admin")
    assert "administrator" in reply.json["error"]["message"]
    me = call("GET", "/api/auth/me", token=admin.token).json
    assert (me["isAdmin"], me["isActive"]) == (True, True)
    assert Counter.get(ACTIVE_ADMINS).value == 1


def test_with_a_second_admin_the_first_can_step_down(admin: Person) -> None:
    create_user(admin, "deputy", is_admin=True)

    reply = admin_call(admin, "PATCH", f"/{admin.id}", {"isAdmin": False})

    assert (reply.status, reply.json["isAdmin"]) == (200, False)
    assert Counter.get(ACTIVE_ADMINS).value == 1


def test_two_admins_demoting_each_other_at_once_leave_one_admin(admin: Person, serialized_moto: None) -> None:
    # Given exactly two administrators
    deputy = create_user(admin, "deputy", is_admin=True)

    # When each demotes the other at the same moment
    replies = run_together(
        [
            lambda: admin_call(admin, "PATCH", f"/{deputy.id}", {"isAdmin": False}),
            lambda: admin_call(deputy, "PATCH", f"/{admin.id}", {"isAdmin": False}),
        ]
    )

    # Then one wins; the other is told they would remove the last admin, or, when the winner committed
    # before the loser's request was authorized, that the loser is no longer an admin
    outcomes = sorted((reply.status, reply.code) for reply in replies)
    assert outcomes in ([(200, None), (409, "last_admin")], [(200, None), (403, "admin_only")])
    admins = [row.username for row in User.scan() if row.is_admin and row.is_active]
    assert len(admins) == 1
    assert Counter.get(ACTIVE_ADMINS).value == 1
