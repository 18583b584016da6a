"""Hardening: session-only account changes, key scopes, atomic login limits a stranger cannot abuse, the client IP."""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

import pytest

from shared.accounts import api_keys, passwords, ratelimit
from shared.api import deps
from shared.models.accounts import PasswordReset, RateLimitScope
from shared.models.api_keys import ApiKey
from tests.support.accounts import (
    CLIENT_IP,
    PASSWORD,
    AccountsStack,
    Person,
    Reply,
    call,
    create_key,
    create_user,
    register_first,
    run_together,
)

STRANGER_IP = "192.0.2.99"
EDGE_IP = "130.176.0.10"  # a CloudFront edge, as API Gateway sees every viewer behind it
ORIGIN_SECRET = "origin-verify-" + "0" * 32
PER_ADDRESS = ratelimit.LIMITS[RateLimitScope.LOGIN_USER_IP]
BACKSTOP = ratelimit.LIMITS[RateLimitScope.LOGIN_USER]


def login(username: str, password: str = PASSWORD, *, source_ip: str = CLIENT_IP, **kwargs: Any) -> Reply:
    body = {"username": username, "password": password}
    return call("POST", "/api/auth/login", json_body=body, source_ip=source_ip, **kwargs)


@pytest.fixture
def admin(accounts: AccountsStack) -> Person:
    return register_first(email="admin@example.com")


# --- Changing accounts and administration needs a signed-in session ----------------------------------------------

# Every route that changes an account or the administration; "{...}" are filled in per test.
SESSION_ONLY: list[tuple[str, str, Any]] = [
    ("PATCH", "/api/auth/me", {"email": "attacker@example.net", "currentPassword": PASSWORD}),
    ("POST", "/api/auth/logout-all", None),
    ("POST", "/api/admin/users", {"username": "mallory", "password": PASSWORD, "isAdmin": True}),
    ("PATCH", "/api/admin/users/{admin}", {"password": "the attacker's password now"}),
    ("PATCH", "/api/admin/users/{user}", {"isAdmin": True}),
    ("DELETE", "/api/admin/users/{user}", None),
    ("POST", "/api/admin/users/{user}/welcome-email", None),
    ("PUT", "/api/admin/settings/chat", {"allowedPermissionModes": ["bypassPermissions"]}),
    ("POST", "/api/api-keys", {"name": "another", "scope": "full"}),
    ("DELETE", "/api/api-keys/{key}", None),
    ("POST", "/api/setup/configure-claude", {"apiKey": "sk-ant-api03-attacker-controlled-key"}),
    ("POST", "/api/setup/test-claude-key", {}),
    ("POST", "/api/admin/bedrock/configure", {"region": "us-east-1", "useTaskRole": True}),
    ("POST", "/api/admin/bedrock/test", {}),
    ("POST", "/api/admin/bedrock/switch-model", {"modelId": "us.anthropic.claude-sonnet-4-20250514-v1:0"}),
    ("POST", "/api/admin/bedrock/disable", None),
    ("POST", "/api/admin/bedrock/context-1m", {"enabled": False}),
    ("POST", "/api/profile/organization/initialize", {"name": "Evil Corp"}),
    ("POST", "/api/profile/organization/research/{project}", None),
    ("POST", "/api/profile/organization/research/{project}/skip", None),
    ("POST", "/api/profile/onboarding/complete", None),
]


@pytest.mark.parametrize(("method", "template", "body"), SESSION_ONLY, ids=[f"{m} {p}" for m, p, _ in SESSION_ONLY])
def test_an_admins_full_key_cannot_change_accounts_or_administration(
    admin: Person, method: str, template: str, body: Any
) -> None:
    # Given the administrator's full-scope key, a user, and a key the admin may want to keep
    user = create_user(admin, "bob")
    key = create_key(admin, "ci", scope="full")
    path = template.format(admin=admin.id, user=user.id, key=key["id"], project=uuid.uuid4().hex)
    kwargs: dict[str, Any] = {"api_key": key["key"]}
    if body is not None:
        kwargs["json_body"] = body

    # When the key calls a route that changes an account or the administration
    reply = call(method, path, **kwargs)

    # Then it is refused, saying a signed-in session is needed, and nothing changed
    assert (reply.status, reply.code) == (403, "session_required"), reply.json
    assert "signed-in session" in reply.json["error"]["message"]
    assert login("admin").status == 200
    listing = call("GET", "/api/admin/users", token=admin.token).json
    assert sorted((account["username"], account["isAdmin"]) for account in listing) == [("admin", True), ("bob", False)]
    assert [k["isActive"] for k in call("GET", "/api/api-keys", token=admin.token).json] == [True]


def test_the_same_changes_work_with_the_admins_session(admin: Person) -> None:
    user = create_user(admin, "bob")

    promoted = call("PATCH", f"/api/admin/users/{user.id}", json_body={"isAdmin": True}, token=admin.token)
    made = call("POST", "/api/api-keys", json_body={"name": "ci", "scope": "full"}, token=admin.token)

    assert (promoted.status, promoted.json["isAdmin"]) == (200, True)
    assert (made.status, made.json["scope"]) == (201, "full")


def test_a_full_key_still_reads_what_its_owner_may_read(admin: Person) -> None:
    key = create_key(admin, scope="full")["key"]

    assert call("GET", "/api/admin/users", api_key=key).status == 200
    assert call("GET", "/api/admin/ai-provider", api_key=key).status == 200
    assert call("GET", "/api/api-keys", api_key=key).status == 200
    assert call("POST", "/api/projects", json_body={"name": "by key"}, api_key=key).status == 201


# --- Key scopes --------------------------------------------------------------------------------------------------

HEX = "0" * 32
# What an integrations key may call (answered by the route itself) and what it may not (403 insufficient_scope).
INTEGRATION_ALLOWED: list[tuple[str, str, Any, int]] = [
    ("GET", "/api/projects", None, 200),
    ("GET", "/api/projects/{project}", None, 200),
    ("GET", "/api/projects/{project}/files/tree", None, 200),
    ("GET", "/api/projects/{project}/files/content?path=missing.md", None, 404),
    ("GET", f"/api/integrations/runs/run_{HEX}", None, 404),
    ("POST", f"/api/schedules/{HEX}/run", None, 404),
    ("GET", f"/api/schedules/{HEX}/executions", None, 404),
    ("GET", f"/api/schedules/{HEX}/executions/{HEX}", None, 404),
    ("POST", "/api/skills/no-such-skill/run", {"projectId": "{project}"}, 404),
]
INTEGRATION_REFUSED: list[tuple[str, str, Any]] = [
    ("GET", "/api/auth/me", None),
    ("GET", "/api/api-keys", None),
    ("GET", "/api/admin/users", None),
    ("GET", "/api/setup/status", None),
    ("POST", "/api/projects", {"name": "by key"}),
    ("PATCH", "/api/projects/{project}", {"name": "renamed"}),
    ("DELETE", "/api/projects/{project}", None),
    ("PUT", "/api/projects/{project}/files/content", {"path": "a.md", "content": "x"}),
    ("POST", "/api/projects/{project}/files/folders", {"path": "new"}),
    ("GET", "/api/projects/{project}/sessions", None),
    ("GET", "/api/schedules", None),
    ("POST", "/api/schedules", {"projectId": "{project}", "name": "n", "prompt": "p", "cron": "0 9 * * *"}),
    ("GET", "/api/personas", None),
    ("PUT", "/api/rules/claude-md", {"content": "# rules"}),
]


def test_every_integration_route_exists() -> None:
    # A renamed route would silently close to integrations keys: each listed one must be a route of the app.
    from shared.api.app import create_app

    routes = {
        f"{method.upper()} {re.sub(r'{[^}]+}', '{}', path)}"
        for path, operations in create_app().openapi()["paths"].items()
        for method in operations
    }

    assert set(deps.INTEGRATION_ROUTES) <= routes, set(deps.INTEGRATION_ROUTES) - routes


def _filled(value: Any, project: str) -> Any:
    if isinstance(value, str):
        return value.replace("{project}", project)
    if isinstance(value, dict):
        return {name: _filled(item, project) for name, item in value.items()}
    return value


@pytest.fixture
def integration(admin: Person) -> tuple[str, str]:
    """A project of the admin's, and an admin's key of the default scope (integrations)."""
    project = call("POST", "/api/projects", json_body={"name": "reports"}, token=admin.token)
    assert project.status == 201, project.json
    key = create_key(admin)
    assert key["scope"] == "integrations"
    return project.json["id"], key["key"]


@pytest.mark.parametrize(("method", "template", "body", "status"), INTEGRATION_ALLOWED)
def test_an_integrations_key_calls_the_integration_routes_and_reads_projects(
    integration: tuple[str, str], method: str, template: str, body: Any, status: int
) -> None:
    project, key = integration
    path, _, query = _filled(template, project).partition("?")
    kwargs: dict[str, Any] = {"api_key": key, "query": dict([query.split("=")]) if query else None}
    if body is not None:
        kwargs["json_body"] = _filled(body, project)

    reply = call(method, path, **kwargs)

    assert reply.status == status, reply.json


@pytest.mark.parametrize(("method", "template", "body"), INTEGRATION_REFUSED)
def test_an_integrations_key_is_refused_everywhere_else(
    integration: tuple[str, str], method: str, template: str, body: Any
) -> None:
    project, key = integration
    kwargs: dict[str, Any] = {"api_key": key}
    if body is not None:
        kwargs["json_body"] = _filled(body, project)

    reply = call(method, _filled(template, project), **kwargs)

    assert (reply.status, reply.code) == (403, "insufficient_scope"), reply.json
    assert "for integrations" in reply.json["error"]["message"]


def test_a_key_made_before_scopes_existed_is_full(admin: Person) -> None:
    # Given a key stored without a scope, as every key was before scopes
    made = api_keys.create(admin.id, "old integration", None)
    ApiKey.get(made.key_id).update(actions=[ApiKey.scope.remove()])

    # Then it works as it did, and is listed as full
    assert call("GET", "/api/auth/me", api_key=made.key).status == 200
    assert [key["scope"] for key in call("GET", "/api/api-keys", token=admin.token).json] == ["full"]


def test_an_unknown_scope_is_refused(admin: Person) -> None:
    reply = call("POST", "/api/api-keys", json_body={"name": "k", "scope": "admin"}, token=admin.token)

    assert (reply.status, reply.code) == (400, "invalid_request")
    assert "scope" in reply.json["error"]["message"]
    assert list(ApiKey.scan()) == []


# --- Login limits: atomic, per account and address, with a backstop ----------------------------------------------


def test_parallel_wrong_passwords_check_at_most_the_limit(
    admin: Person, serialized_moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given alice, and a count of every password check
    create_user(admin, "alice")
    checks, lock = [0], threading.Lock()
    verify = passwords.verify_password

    def counted(password: str, password_hash: str) -> bool:
        with lock:
            checks[0] += 1
        return verify(password, password_hash)

    monkeypatch.setattr(passwords, "verify_password", counted)

    # When 40 wrong passwords for her arrive at once from one address
    replies = run_together([lambda n=n: login("alice", f"guess-{n}") for n in range(40)])

    # Then at most the limit reach a password check (401); every other one is refused before it (429)
    statuses = [reply.status for reply in replies]
    assert statuses.count(401) + statuses.count(429) == 40, statuses
    assert statuses.count(401) == checks[0] == PER_ADDRESS
    assert {reply.code for reply in replies if reply.status == 429} == {"too_many_attempts"}
    # and alice still signs in from her own address
    assert login("alice", source_ip="198.51.100.20").status == 200


def test_a_strangers_guesses_do_not_lock_the_owner_out(admin: Person) -> None:
    # Given alice, and a stranger who guesses her password from their address well past the limit
    create_user(admin, "alice")
    guesses = [login("alice", f"guess-{n}", source_ip=STRANGER_IP) for n in range(PER_ADDRESS + 5)]
    assert [reply.status for reply in guesses] == [401] * PER_ADDRESS + [429] * 5
    refused = guesses[-1]

    # When alice signs in from her own address
    reply = login("alice")

    # Then she is in; the stranger was told which limit they hit and when it ends
    assert reply.status == 200, reply.json
    assert refused.json["error"]["limit"] == "signin_per_account_and_address"
    assert int(refused.headers["retry-after"]) == refused.json["error"]["retryAfter"] > 0
    assert "from your address" in refused.json["error"]["message"]


def test_signing_in_forgives_the_owners_typos(admin: Person) -> None:
    # Given alice mistyped her password almost up to the limit, then signed in
    create_user(admin, "alice")
    for n in range(PER_ADDRESS - 1):
        assert login("alice", f"typo-{n}").status == 401
    assert login("alice").status == 200

    # When she mistypes again later
    replies = [login("alice", f"later-{n}").status for n in range(PER_ADDRESS)]

    # Then the earlier typos no longer count
    assert replies == [401] * PER_ADDRESS


def test_guessing_from_many_addresses_meets_the_account_backstop(admin: Person) -> None:
    # Given guesses at alice's password from as many addresses as it takes to reach the backstop
    create_user(admin, "alice")
    for n in range(BACKSTOP):
        assert login("alice", f"guess-{n}", source_ip=f"198.51.100.{n // PER_ADDRESS}").status == 401

    # When anyone, alice too, tries to sign in as her from a fresh address
    refused = login("alice", source_ip="203.0.113.200")

    # Then the account is locked for everyone until the window ends, and the answer says so
    assert (refused.status, refused.code) == (429, "too_many_attempts")
    assert refused.json["error"]["limit"] == "signin_per_account"
    assert 0 < int(refused.headers["retry-after"]) <= ratelimit.WINDOW.total_seconds() + 1
    # while other accounts are untouched
    assert login("admin", source_ip="203.0.113.200").status == 200


def test_a_refused_attempt_does_not_count_against_the_account(admin: Person) -> None:
    # Given a stranger's address already at its limit for alice
    create_user(admin, "alice")
    for n in range(PER_ADDRESS):
        login("alice", f"guess-{n}", source_ip=STRANGER_IP)

    # When it keeps trying, far beyond the backstop
    for n in range(BACKSTOP):
        assert login("alice", f"again-{n}", source_ip=STRANGER_IP).status == 429

    # Then only the guesses that reached a password check count toward the account's backstop
    assert login("alice").status == 200


@pytest.mark.unit
@pytest.mark.parametrize(
    ("ip", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2::5", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("not an address", "not an address"),
    ],
)
def test_one_ipv6_network_counts_as_one_address(ip: str, counted_as: str) -> None:
    assert ratelimit.address(ip) == counted_as


# --- The client IP behind CloudFront -------------------------------------------------------------------------------


def _requested_ip(source_ip: str, headers: dict[str, str]) -> str | None:
    """The client IP the API saw, as a reset request records it."""
    reply = call(
        "POST", "/api/auth/forgot-password", json_body={"identifier": "admin"}, source_ip=source_ip, headers=headers
    )
    assert reply.status == 202, reply.json
    [reset] = list(PasswordReset.scan())
    return reset.requested_ip


@pytest.mark.parametrize(
    ("configured", "headers", "seen"),
    [
        (
            ORIGIN_SECRET,
            {"X-Origin-Verify": ORIGIN_SECRET, "X-Viewer-Address": "198.51.100.10"},
            "198.51.100.10",
        ),
        (
            ORIGIN_SECRET,
            {"X-Origin-Verify": ORIGIN_SECRET, "X-Viewer-Address": "2001:0db8::0001"},
            "2001:db8::1",
        ),
        (ORIGIN_SECRET, {"X-Origin-Verify": "guessed", "X-Viewer-Address": "198.51.100.10"}, EDGE_IP),
        (ORIGIN_SECRET, {"X-Viewer-Address": "198.51.100.10"}, EDGE_IP),
        (ORIGIN_SECRET, {"X-Origin-Verify": ORIGIN_SECRET, "X-Viewer-Address": "nonsense"}, EDGE_IP),
        (None, {"X-Origin-Verify": ORIGIN_SECRET, "X-Viewer-Address": "198.51.100.10"}, EDGE_IP),
    ],
    ids=["viewer-ipv4", "viewer-ipv6", "wrong-secret", "no-secret", "malformed", "not-configured"],
)
def test_the_viewer_address_is_believed_only_from_cloudfront(
    accounts: AccountsStack, admin: Person, configured: str | None, headers: dict[str, str], seen: str
) -> None:
    accounts.configure(STUDIO_ORIGIN_VERIFY_SECRET=configured)

    assert _requested_ip(EDGE_IP, headers) == seen


def test_behind_cloudfront_a_strangers_guesses_do_not_lock_out_the_owner(
    accounts: AccountsStack, admin: Person
) -> None:
    # Given CloudFront in front of the API: every viewer arrives from the same edge address
    accounts.configure(STUDIO_ORIGIN_VERIFY_SECRET=ORIGIN_SECRET)
    create_user(admin, "alice")

    def through_cloudfront(viewer: str) -> dict[str, str]:
        return {"X-Origin-Verify": ORIGIN_SECRET, "X-Viewer-Address": viewer}

    # When a stranger guesses past the limit, and alice then signs in, both through the same edge
    for n in range(PER_ADDRESS + 1):
        login("alice", f"guess-{n}", source_ip=EDGE_IP, headers=through_cloudfront(STRANGER_IP))
    reply = login("alice", source_ip=EDGE_IP, headers=through_cloudfront("198.51.100.44"))

    # Then she is in: the limits counted their addresses, not the edge's
    assert reply.status == 200, reply.json


@pytest.mark.unit
@pytest.mark.parametrize(
    ("header", "ip"),
    [
        ("198.51.100.10", "198.51.100.10"),
        (" 2001:0db8:85a3:0000:0000:8a2e:0370:7334 ", "2001:db8:85a3::8a2e:370:7334"),
        ("198.51.100.10:46532", None),
        ("example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_the_viewer_address_header_is_parsed_strictly(header: str | None, ip: str | None) -> None:
    assert deps.viewer_ip(header) == ip
