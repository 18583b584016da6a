"""Who may call what: every accounts route, for every kind of caller, through the api Lambda's entry point."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from shared.accounts import api_keys, users
from tests.support.accounts import (
    PASSWORD,
    AccountsStack,
    Person,
    Reply,
    call,
    create_key,
    create_user,
    register_first,
    token_issued_at,
    with_claims,
)

# user_key and admin_key are full-scope keys; admin_int_key is an integrations-scoped key of the admin.
CALLERS = (
    "anonymous",
    "user",
    "other",
    "admin",
    "user_key",
    "admin_key",
    "admin_int_key",
    "revoked_key",
    "expired_jwt",
    "tampered_jwt",
)

# What each route is asked ("late", "login", "nobody", "made" become bodies unique to the case; see body_for).
REQUESTS: dict[str, tuple[str, str, Any]] = {
    "status": ("GET", "/api/auth/status", None),
    "register": ("POST", "/api/auth/register", "late"),
    "login": ("POST", "/api/auth/login", "login"),
    "me": ("GET", "/api/auth/me", None),
    "update_me": ("PATCH", "/api/auth/me", {}),
    "forgot": ("POST", "/api/auth/forgot-password", "nobody"),
    "verify_reset": ("GET", "/api/auth/reset-password/verify", None),
    "reset": ("POST", "/api/auth/reset-password", {"token": "bogus", "password": PASSWORD}),
    "list_users": ("GET", "/api/admin/users", None),
    "create_user": ("POST", "/api/admin/users", "made"),
    "get_user": ("GET", "/api/admin/users/{target}", None),
    "update_user": ("PATCH", "/api/admin/users/{target}", {"isActive": True}),
    "delete_user": ("DELETE", "/api/admin/users/{target}", None),
    "welcome": ("POST", "/api/admin/users/{target}/welcome-email", None),
    "create_key": ("POST", "/api/api-keys", {"name": "matrix"}),
    "list_keys": ("GET", "/api/api-keys", None),
    "delete_key": ("DELETE", "/api/api-keys/{key}", None),  # a key of "user": anyone else is told it does not exist
    "get_quotas": ("GET", "/api/admin/settings/quotas", None),
    "set_quotas": ("PUT", "/api/admin/settings/quotas", "quotas"),
}
# Routes that change accounts or administration: a signed-in session only, never an API key. (Signing out
# everywhere is one too, tested in test_accounts_hardening.py: here it would end the module's sessions.)
SESSION_ONLY = {
    "update_me",
    "create_user",
    "update_user",
    "delete_user",
    "welcome",
    "create_key",
    "delete_key",
    "set_quotas",
}

# fmt: off
EXPECTED: dict[str, tuple[int, ...]] = {
    #               anonymous user other admin user_key admin_key admin_int_key revoked_key expired_jwt tampered_jwt
    "status":       (200,      200, 200,  200,  200,     200,      200,          200,        200,        200),
    "register":     (403,      403, 403,  403,  403,     403,      403,          403,        403,        403),
    "login":        (200,      200, 200,  200,  200,     200,      200,          200,        200,        200),
    "me":           (401,      200, 200,  200,  200,     200,      403,          401,        401,        401),
    "update_me":    (401,      200, 200,  200,  403,     403,      403,          401,        401,        401),
    "forgot":       (202,      202, 202,  202,  202,     202,      202,          202,        202,        202),
    "verify_reset": (400,      400, 400,  400,  400,     400,      400,          400,        400,        400),
    "reset":        (400,      400, 400,  400,  400,     400,      400,          400,        400,        400),
    "list_users":   (401,      403, 403,  200,  403,     200,      403,          401,        401,        401),
    "create_user":  (401,      403, 403,  201,  403,     403,      403,          401,        401,        401),
    "get_user":     (401,      403, 403,  200,  403,     200,      403,          401,        401,        401),
    "update_user":  (401,      403, 403,  200,  403,     403,      403,          401,        401,        401),
    "delete_user":  (401,      403, 403,  204,  403,     403,      403,          401,        401,        401),
    "welcome":      (401,      403, 403,  202,  403,     403,      403,          401,        401,        401),
    "create_key":   (401,      201, 201,  201,  403,     403,      403,          401,        401,        401),
    "list_keys":    (401,      200, 200,  200,  200,     200,      403,          401,        401,        401),
    "delete_key":   (401,      200, 404,  404,  403,     403,      403,          401,        401,        401),
    "get_quotas":   (401,      403, 403,  200,  403,     200,      403,          401,        401,        401),
    "set_quotas":   (401,      403, 403,  200,  403,     403,      403,          401,        401,        401),
}
# fmt: on
CODES = {
    401: {
        "anonymous": "unauthenticated",
        "revoked_key": "invalid_api_key",
        "expired_jwt": "token_expired",
        "tampered_jwt": "invalid_token",
    },
    404: {"delete_key": "api_key_not_found"},
}


def refusal_code(route: str, caller: str) -> str:
    """Why a 403: the scope of an integrations key first, then a non-admin's, then a key on a session-only route."""
    if route == "register":
        return "registration_closed"
    if caller == "admin_int_key":
        return "insufficient_scope"
    admin_route = route in {
        "list_users",
        "create_user",
        "get_user",
        "update_user",
        "delete_user",
        "welcome",
        "get_quotas",
        "set_quotas",
    }
    if admin_route and caller in {"user", "other", "user_key"}:
        return "admin_only"
    assert route in SESSION_ONLY and caller.endswith("_key"), (route, caller)
    return "session_required"


@dataclass
class World:
    admin: Person
    user: Person
    other: Person
    credentials: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def world(accounts_stack: AccountsStack) -> World:
    """The callers, made once for the module (every case below creates what it changes)."""
    admin = register_first(email="admin@example.com")
    user, other = create_user(admin, "user"), create_user(admin, "other")
    create_user(admin, "login-target")
    revoked = create_key(user)
    call("DELETE", f"/api/api-keys/{revoked['id']}", token=user.token)
    credentials = {
        "anonymous": {},
        "user": {"token": user.token},
        "other": {"token": other.token},
        "admin": {"token": admin.token},
        "user_key": {"api_key": create_key(user, scope="full")["key"]},
        "admin_key": {"api_key": create_key(admin, scope="full")["key"]},
        "admin_int_key": {"api_key": create_key(admin, scope="integrations")["key"]},
        "revoked_key": {"api_key": revoked["key"]},
        "expired_jwt": {"token": token_issued_at(user.id, time.time() - 10 * accounts_stack.settings.jwt_ttl_seconds)},
        "tampered_jwt": {"token": with_claims(user.token, sub=admin.id)},
    }
    return World(admin, user, other, credentials)


def body_for(template: Any, caller: str) -> Any:
    """The request body: fixed, or made unique per case so no case collides with another's records."""
    if not isinstance(template, str):
        return template
    unique = f"{caller.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    return {
        "late": {"username": f"late-{unique}", "password": PASSWORD},
        "login": {"username": "login-target", "password": PASSWORD},
        "nobody": {"identifier": f"nobody-{unique}"},
        "made": {"username": f"made-{unique}", "password": PASSWORD},
        "quotas": {  # the defaults
            "maxActiveSchedules": 20,
            "minScheduleIntervalMinutes": 15,
            "uploadsPerHour": 200,
            "turnsPerDay": 500,
            "tokensPerDay": 5_000_000,
        },
    }[template]


@pytest.mark.parametrize(
    ("route", "caller", "expected"),
    [
        pytest.param(route, caller, statuses[index], id=f"{route}-{caller}")
        for route, statuses in EXPECTED.items()
        for index, caller in enumerate(CALLERS)
    ],
)
def test_each_route_answers_each_caller_as_the_matrix_says(
    world: World, route: str, caller: str, expected: int
) -> None:
    # Given a fresh user to act on, and a fresh key of "user"
    method, template, body = REQUESTS[route]
    name = f"target-{uuid.uuid4().hex[:12]}"
    target = users.create(name, PASSWORD, f"{name}@example.net", is_admin=False)
    key = api_keys.create(world.user.id, "throwaway", None)
    path = template.format(target=target.user_id, key=key.key_id)
    kwargs: dict[str, Any] = dict(world.credentials[caller])
    if body is not None:
        kwargs["json_body"] = body_for(body, caller)
    if route == "verify_reset":
        kwargs["query"] = {"token": "bogus"}

    # When the caller calls the route
    reply = call(method, path, **kwargs)

    # Then the status is the matrix's, and every refusal is a JSON error with the expected code
    assert reply.status == expected, reply.json
    if expected >= 400:
        assert reply.json["error"]["message"]
        wanted = CODES.get(expected, {}).get(caller) or CODES.get(expected, {}).get(route)
        if expected == 403:
            wanted = refusal_code(route, caller)
        assert wanted is None or reply.code == wanted, reply.json


@pytest.mark.parametrize("caller", ["user", "other", "admin", "user_key", "admin_key"])
def test_me_is_always_the_caller(world: World, caller: str) -> None:
    owner = {"user": world.user, "other": world.other, "admin": world.admin}[caller.removesuffix("_key")]

    reply = call("GET", "/api/auth/me", **world.credentials[caller])

    assert reply.json["id"] == owner.id


def test_no_one_reads_or_deactivates_another_users_keys(world: World) -> None:
    # Given a key of "user"
    key = create_key(world.user, "private", scope="full")

    # When "other" lists keys and tries to deactivate it
    listing = call("GET", "/api/api-keys", token=world.other.token)
    attempt = call("DELETE", f"/api/api-keys/{key['id']}", token=world.other.token)

    # Then they see none of user's keys, are told it does not exist, and the key still works
    assert key["id"] not in {item["id"] for item in listing.json}
    assert (attempt.status, attempt.code) == (404, "api_key_not_found")
    assert call("GET", "/api/auth/me", api_key=key["key"]).json["id"] == world.user.id
    assert key["id"] in {item["id"] for item in call("GET", "/api/api-keys", token=world.user.token).json}


def test_a_user_cannot_make_themselves_admin_through_their_own_profile(world: World) -> None:
    reply: Reply = call("PATCH", "/api/auth/me", json_body={"isAdmin": True}, token=world.user.token)

    assert (reply.status, reply.code) == (400, "invalid_request")
    assert call("GET", "/api/auth/me", token=world.user.token).json["isAdmin"] is False
