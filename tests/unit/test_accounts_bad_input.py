"""Bad input to every accounts route: always a clear 4xx JSON error (never a 500), and nothing is created."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from shared.models.accounts import PasswordReset, User
from shared.models.api_keys import ApiKey
from tests.support.accounts import PASSWORD, AccountsStack, Person, Reply, call, create_user, register_first

JSON = {"Content-Type": "application/json"}
ARABIC_LIGATURE = "\ufdfa"  # one character that NFKC expands to eighteen


@dataclass
class World:
    admin: Person
    alice: Person
    stack: AccountsStack


@pytest.fixture(scope="module")
def world(accounts_stack: AccountsStack) -> World:
    admin = register_first()
    return World(admin, create_user(admin, "alice", email="alice@example.com"), accounts_stack)


def snapshot(world: World) -> tuple[Any, ...]:
    return (
        sorted(row.username for row in User.scan()),
        sorted(row.key_id for row in ApiKey.scan()),
        len(list(PasswordReset.scan())),
        len(world.stack.postmark.sent()),
    )


@pytest.fixture
def unchanged(world: World) -> Iterator[None]:
    """Whatever the test sends, no account, key, reset token or email comes of it."""
    before = snapshot(world)
    yield
    assert snapshot(world) == before


def assert_clear_client_error(reply: Reply, status: int | None = None, code: str | None = None) -> None:
    assert 400 <= reply.status < 500, reply.json
    assert status is None or reply.status == status, reply.json
    assert code is None or reply.code == code, reply.json
    assert set(reply.json) == {"error"} and reply.json["error"]["message"] and reply.json["error"]["requestId"]


ROUTES = {
    "register": ("POST", "/api/auth/register", None),
    "login": ("POST", "/api/auth/login", None),
    "forgot": ("POST", "/api/auth/forgot-password", None),
    "reset": ("POST", "/api/auth/reset-password", None),
    "update_me": ("PATCH", "/api/auth/me", "alice"),
    "create_user": ("POST", "/api/admin/users", "admin"),
    "update_user": ("PATCH", "/api/admin/users/{alice}", "admin"),
    "create_key": ("POST", "/api/api-keys", "alice"),
}
ENVELOPES = {
    "no-body": {"body": None},
    "empty-body": {"body": "", "headers": JSON},
    "non-utf8": {"raw_body": b"\xff\xfe", "headers": JSON},
    "non-utf8-in-json": {"raw_body": b'{"username": "al\xffice", "password": "long enough pw"}', "headers": JSON},
    "not-json": {"body": "{broken", "headers": JSON},
    "array": {"json_body": [{"username": "eve", "password": PASSWORD}]},
    "string": {"json_body": "eve"},
    "null": {"json_body": None},
    "deeply-nested": {"body": "[" * 100_000 + "]" * 100_000, "headers": JSON},
    "text-plain": {"body": '{"identifier": "alice"}', "headers": {"Content-Type": "text/plain"}},
}


def send(world: World, route: str, **kwargs: Any) -> Reply:
    method, path, who = ROUTES[route]
    if who:
        kwargs["token"] = getattr(world, who).token
    return call(method, path.format(alice=world.alice.id), **kwargs)


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize("route", ROUTES)
def test_a_body_that_is_not_a_json_object_is_a_400(world: World, unchanged: None, route: str, envelope: str) -> None:
    reply = send(world, route, **ENVELOPES[envelope])

    assert_clear_client_error(reply, 400)


NOSQL = {"$gt": ""}
FIELDS: list[Any] = [
    # route, body, status, code
    ("create_user", {"username": "bob"}, 400, "invalid_request"),
    ("create_user", {"username": "bob", "password": PASSWORD, "role": "admin"}, 400, "invalid_request"),
    ("create_user", {"username": 123, "password": PASSWORD}, 400, "invalid_request"),
    ("create_user", {"username": "bob", "password": ["x"] * 9}, 400, "invalid_request"),
    ("create_user", {"username": "bob", "password": PASSWORD, "isAdmin": "maybe"}, 400, "invalid_request"),
    ("create_user", {"username": "bob", "password": PASSWORD, "isAdmin": NOSQL}, 400, "invalid_request"),
    ("create_user", {"username": NOSQL, "password": PASSWORD}, 400, "invalid_request"),
    ("create_user", {"username": "' OR 1=1 --", "password": PASSWORD}, 400, "invalid_username"),
    ("create_user", {"username": "b" * 65, "password": PASSWORD}, 400, "invalid_request"),
    ("create_user", {"username": "bob", "password": "p" * 1025}, 400, "invalid_request"),
    ("create_user", {"username": "bob", "password": "short"}, 400, "weak_password"),
    ("create_user", {"username": "bob", "password": "pass\x00word-long"}, 400, "invalid_password"),
    ("create_user", {"username": "bob", "password": PASSWORD, "email": "b" * 250 + "@x.com"}, 400, "invalid_request"),
    ("create_user", {"username": "bob", "password": PASSWORD, "email": "not-an-email"}, 400, "invalid_email"),
    ("create_user", {"username": "bob", "password": PASSWORD, "email": "b\x00b@example.com"}, 400, "invalid_email"),
    ("create_user", {"username": "\u0430dmin", "password": PASSWORD}, 400, "invalid_username"),  # Cyrillic a (U+0430)
    ("create_user", {"username": "\uff41lice", "password": PASSWORD}, 400, "invalid_username"),  # fullwidth a
    ("create_user", {"username": "al\u200dice", "password": PASSWORD}, 400, "invalid_username"),  # zero-width joiner
    ("create_user", {"username": "alice\u200b", "password": PASSWORD}, 400, "invalid_username"),  # zero-width space
    ("create_user", {"username": "bo\x00b", "password": PASSWORD}, 400, "invalid_username"),
    ("create_user", {"username": "   ", "password": PASSWORD}, 400, "invalid_username"),
    ("create_user", {"username": "\ud800bob", "password": PASSWORD}, 400, "invalid_request"),  # lone surrogate
    ("login", {"username": NOSQL, "password": PASSWORD}, 400, "invalid_request"),
    ("login", {"username": "alice", "password": {"$ne": None}}, 400, "invalid_request"),
    ("login", {"username": "alice"}, 400, "invalid_request"),
    ("login", {"username": "a" * 65, "password": PASSWORD}, 400, "invalid_request"),
    ("login", {"username": "' OR 1=1 --", "password": "' OR 1=1 --"}, 401, "invalid_credentials"),
    ("login", {"username": "\u0430lice", "password": PASSWORD}, 401, "invalid_credentials"),  # Cyrillic a (U+0430)
    ("login", {"username": "al\x00ice", "password": PASSWORD}, 401, "invalid_credentials"),
    ("login", {"username": "al\u200dice", "password": PASSWORD}, 401, "invalid_credentials"),
    pytest.param(
        "login",
        {"username": ARABIC_LIGATURE * 64, "password": PASSWORD},
        401,
        "invalid_credentials",
        id="login-username-expanding-past-the-key-limit",
    ),
    ("forgot", {"identifier": ""}, 400, "invalid_request"),
    ("forgot", {"identifier": "x" * 255}, 400, "invalid_request"),
    ("forgot", {"identifier": NOSQL}, 400, "invalid_request"),
    ("forgot", {"identifier": "' OR 1=1 --"}, 202, None),
    pytest.param(
        "forgot",
        {"identifier": ARABIC_LIGATURE * 254},
        202,
        None,
        id="forgot-identifier-expanding-past-the-key-limit",
    ),
    ("reset", {"token": "t" * 201, "password": PASSWORD}, 400, "invalid_request"),
    ("reset", {"token": NOSQL, "password": PASSWORD}, 400, "invalid_request"),
    ("reset", {"token": "made-up", "password": "short"}, 400, "weak_password"),
    ("update_me", {"isAdmin": True}, 400, "invalid_request"),
    ("update_me", {"email": "not-an-email"}, 400, "invalid_email"),
    ("update_me", {"newPassword": "p" * 1025, "currentPassword": PASSWORD}, 400, "invalid_request"),
    ("update_user", {"isActive": "nope"}, 400, "invalid_request"),
    ("update_user", {"email": 123}, 400, "invalid_request"),
    ("update_user", {"password": "short"}, 400, "weak_password"),
    ("update_user", {"username": "renamed"}, 400, "invalid_request"),
    ("create_key", {"name": ""}, 400, "invalid_request"),
    ("create_key", {"name": "k" * 101}, 400, "invalid_request"),
    ("create_key", {"name": NOSQL}, 400, "invalid_request"),
    ("create_key", {"name": "k", "callbackUrl": "https://example.com/" + "a" * 2030}, 400, "invalid_request"),
    ("create_key", {"name": "k", "callbackUrl": 123}, 400, "invalid_request"),
]


@pytest.mark.parametrize(("route", "body", "status", "code"), FIELDS)
def test_a_bad_field_gets_a_clear_error(
    world: World, unchanged: None, route: str, body: Any, status: int, code: str | None
) -> None:
    reply = send(world, route, json_body=body)

    if status >= 400:
        assert_clear_client_error(reply, status, code)
    else:
        assert reply.status == status, reply.json
    assert world.alice.password == PASSWORD and call("GET", "/api/auth/me", token=world.alice.token).status == 200


@pytest.mark.parametrize(
    ("method", "path", "query", "status"),
    [
        ("GET", "/api/auth/reset-password/verify", None, 400),
        ("GET", "/api/auth/reset-password/verify", {"token": ""}, 400),
        ("GET", "/api/auth/reset-password/verify", {"token": "t" * 201}, 400),
        ("GET", "/api/admin/users/" + "u" * 65, None, 404),
        ("GET", "/api/admin/users/%00", None, 404),
        ("DELETE", "/api/api-keys/not-a-key-id", None, 404),
        ("DELETE", "/api/api-keys/" + "0" * 32, None, 404),
    ],
)
def test_bad_paths_and_queries_get_a_clear_error(
    world: World, unchanged: None, method: str, path: str, query: dict[str, str] | None, status: int
) -> None:
    reply = call(method, path, query=query, token=world.admin.token)

    assert_clear_client_error(reply, status)


def test_a_nfkc_equivalent_spelling_is_the_same_account_not_another_one(world: World) -> None:
    # Fullwidth letters normalize to ASCII: they name alice (with her password), never a look-alike account
    reply = call(
        "POST", "/api/auth/login", json_body={"username": "\uff41\uff4c\uff49\uff43\uff45", "password": PASSWORD}
    )

    assert (reply.status, reply.json["user"]["id"]) == (200, world.alice.id)
