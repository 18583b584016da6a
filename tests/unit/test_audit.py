"""The audit log: every audited action, done through the API, writes exactly one entry naming its actor and target,
with no secret in it; the Admin screen's filters; retention by TTL; the CloudWatch copy as one log line."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pynamodb.exceptions import PutError

from shared.audit import Action
from shared.audit.redaction import REDACTED, redact
from shared.logs import logger
from shared.models.audit import AuditEntry
from tests.support.accounts import (
    PASSWORD,
    AccountsStack,
    Person,
    Reply,
    call,
    create_key,
    create_user,
    register_first,
    reset_token_from,
)
from tests.support.fake_oauth import CLIENT_SECRET as OAUTH_CLIENT_SECRET
from tests.support.fake_oauth import FakeOAuth
from tests.unit.test_drives_api import CLIENT_SECRET, WEBDAV_PASSWORD, make_connection, make_provider
from tests.unit.test_drives_oauth import authorize, callback, oauth_provider, start
from tests.unit.test_drives_oauth import fake as fake  # noqa: PLC0414  # the fixtures the OAuth case uses
from tests.unit.test_drives_oauth import fake_server as fake_server  # noqa: PLC0414
from tests.unit.test_provider import ACCESS_KEY_ID, KEY, SECRET_KEY

NEW_PASSWORD = "a brand new passphrase 4 audit"
WRONG_PASSWORD = "not the password at all 1234"
GIT_TOKEN = "ghp_audittoken1234567890abcdefXYZ"
NEW_CLIENT_SECRET = "rotated-client-secret-Zq81-audit"
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
ACKNOWLEDGMENT = "I understand that prompts over 200K tokens cost more and need Bedrock's 1M-context support."
AUDIT = "/api/admin/audit"


@dataclass
class World:
    """An administrator, a user with an email, the project they own, and every secret the test has handled."""

    accounts: AccountsStack
    fake: FakeOAuth
    admin: Person
    user: Person
    project: str
    secrets: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Expected:
    actor: str | None  # the actor's id (None: nobody signed in, as for a failed sign-in)
    target: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    actor_name: str | None = None


Act = Callable[[], Expected]


def ok(reply: Reply, status: int = 200) -> Reply:
    assert reply.status == status, reply.json
    return reply


def as_(person: Person, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
    return call(method, path, token=person.token, **({"json_body": body} if body is not None else {}), **kwargs)


def patch_user(w: World, body: dict[str, Any]) -> Reply:
    return ok(as_(w.admin, "PATCH", f"/api/admin/users/{w.user.id}", body))


# One case per action: the setup runs first, the returned `act` is the one request whose entries are counted.


def sign_in(w: World) -> Act:
    return lambda: (w.user.refresh_token(), Expected(w.user.id, w.user.id))[1]


def sign_in_failed(w: World) -> Act:
    w.secrets.append(WRONG_PASSWORD)

    def act() -> Expected:
        body = {"username": w.user.username, "password": WRONG_PASSWORD}
        ok(call("POST", "/api/auth/login", json_body=body), 401)
        return Expected(None, None, actor_name=w.user.username)

    return act


def logout_all(w: World) -> Act:
    return lambda: (ok(as_(w.user, "POST", "/api/auth/logout-all")), Expected(w.user.id, w.user.id))[1]


def password_changed(w: World) -> Act:
    body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    return lambda: (ok(as_(w.user, "PATCH", "/api/auth/me", body)), Expected(w.user.id, w.user.id))[1]


def password_reset(w: World) -> Act:
    ok(call("POST", "/api/auth/forgot-password", json_body={"identifier": w.user.username}), 202)
    token = reset_token_from(w.accounts.postmark.sent()[-1])
    w.secrets.append(token)
    body = {"token": token, "password": NEW_PASSWORD}
    return lambda: (ok(call("POST", "/api/auth/reset-password", json_body=body)), Expected(w.user.id, w.user.id))[1]


def user_created(w: World) -> Act:
    def act() -> Expected:
        body = {"username": "newcomer", "password": NEW_PASSWORD, "email": "new@example.com"}
        made = ok(as_(w.admin, "POST", "/api/admin/users", body), 201).json
        return Expected(w.admin.id, made["id"], after={"isAdmin": False, "isActive": True, "email": "new@example.com"})

    return act


def user_changed(w: World) -> Act:
    def act() -> Expected:
        patch_user(w, {"email": "moved@example.com", "password": NEW_PASSWORD})
        after = {"email": "moved@example.com", "password": REDACTED}
        return Expected(w.admin.id, w.user.id, before={"email": "user@example.com"}, after=after)

    return act


def user_role_changed(w: World) -> Act:
    def act() -> Expected:
        patch_user(w, {"isAdmin": True})
        return Expected(w.admin.id, w.user.id, before={"isAdmin": False}, after={"isAdmin": True})

    return act


def user_disabled(w: World) -> Act:
    def act() -> Expected:
        patch_user(w, {"isActive": False})
        return Expected(w.admin.id, w.user.id, before={"isActive": True}, after={"isActive": False})

    return act


def user_enabled(w: World) -> Act:
    patch_user(w, {"isActive": False})

    def act() -> Expected:
        patch_user(w, {"isActive": True})
        return Expected(w.admin.id, w.user.id, before={"isActive": False}, after={"isActive": True})

    return act


def user_deleted(w: World) -> Act:
    return lambda: (ok(as_(w.admin, "DELETE", f"/api/admin/users/{w.user.id}"), 204), Expected(w.admin.id, w.user.id))[
        1
    ]


def api_key_created(w: World) -> Act:
    def act() -> Expected:
        made = ok(as_(w.user, "POST", "/api/api-keys", {"name": "ci", "scope": "full"}), 201).json
        w.secrets += [made["key"], made["signingSecret"]]
        return Expected(w.user.id, made["id"], after={"scope": "full", "callbackUrl": None})

    return act


def api_key_revoked(w: World) -> Act:
    made = create_key(w.user, "ci")
    w.secrets += [made["key"], made["signingSecret"]]
    return lambda: (ok(as_(w.user, "DELETE", f"/api/api-keys/{made['id']}")), Expected(w.user.id, made["id"]))[1]


def provider_configured(w: World) -> Act:
    body = {"apiKey": KEY}
    return lambda: (ok(as_(w.admin, "POST", "/api/setup/configure-claude", body)), Expected(w.admin.id, "anthropic"))[1]


def bedrock(w: World, model: str | None = None) -> None:
    body = {"region": "eu-west-1", "accessKeyId": ACCESS_KEY_ID, "secretAccessKey": SECRET_KEY}
    ok(as_(w.admin, "POST", "/api/admin/bedrock/configure", body))
    if model:
        ok(as_(w.admin, "POST", "/api/admin/bedrock/switch-model", {"modelId": model}))


def provider_model_changed(w: World) -> Act:
    bedrock(w)

    def act() -> Expected:
        ok(as_(w.admin, "POST", "/api/admin/bedrock/switch-model", {"modelId": MODEL}))
        before = {"provider": "anthropic", "model": None}
        return Expected(w.admin.id, "bedrock", before=before, after={"provider": "bedrock", "model": MODEL})

    return act


def provider_context_1m(w: World) -> Act:
    bedrock(w, MODEL)

    def act() -> Expected:
        ok(as_(w.admin, "POST", "/api/admin/bedrock/context-1m", {"enabled": True, "acknowledgment": ACKNOWLEDGMENT}))
        after = {"enabled": True, "acknowledgment": ACKNOWLEDGMENT}
        return Expected(w.admin.id, "bedrock", before={"enabled": False}, after=after)

    return act


def policy_permission_modes(w: World) -> Act:
    def act() -> Expected:
        ok(as_(w.admin, "PUT", "/api/admin/settings/chat", {"allowedPermissionModes": ["default"]}))
        return Expected(w.admin.id, "chat", after={"allowedPermissionModes": ["default"]})

    return act


def quotas_changed(w: World) -> Act:
    current = ok(as_(w.admin, "GET", "/api/admin/settings/quotas")).json

    def act() -> Expected:
        ok(as_(w.admin, "PUT", "/api/admin/settings/quotas", {**current, "turnsPerDay": 100}))
        return Expected(w.admin.id, "quotas", before={"turnsPerDay": 500}, after={"turnsPerDay": 100})

    return act


def budgets_changed(w: World) -> Act:
    def act() -> Expected:
        ok(as_(w.admin, "PUT", "/api/admin/budgets/organization", {"monthlyUsd": 500, "monthlyTokens": None}))
        return Expected(w.admin.id, "organization", before={"monthlyUsd": None}, after={"monthlyUsd": 500})

    return act


def save_rules(person: Person, content: str, base: int) -> Reply:
    return ok(as_(person, "PUT", "/api/rules/claude-md", {"scope": "user", "content": content, "baseVersion": base}))


def rules_saved(w: World) -> Act:
    return lambda: (save_rules(w.user, "# Be brief\n", 0), Expected(w.user.id, w.user.id, before={"version": 0}))[1]


def rules_restored(w: World) -> Act:
    save_rules(w.user, "# One\n", 0)
    save_rules(w.user, "# Two\n", 1)

    def act() -> Expected:
        ok(as_(w.user, "POST", "/api/rules/claude-md/restore", {"scope": "user", "version": 1, "baseVersion": 2}))
        return Expected(w.user.id, w.user.id, before={"version": 2})

    return act


def drive_provider_created(w: World) -> Act:
    w.secrets.append(CLIENT_SECRET)
    return lambda: Expected(w.admin.id, make_provider(w.admin, "onedrive")["providerId"])


def drive_provider_changed(w: World) -> Act:
    provider = make_provider(w.admin, "onedrive")["providerId"]
    w.secrets += [CLIENT_SECRET, NEW_CLIENT_SECRET]

    def act() -> Expected:
        ok(as_(w.admin, "PATCH", f"/api/drives/providers/{provider}", {"clientSecret": NEW_CLIENT_SECRET}))
        return Expected(w.admin.id, provider, after={"clientSecret": REDACTED})

    return act


def drive_provider_deleted(w: World) -> Act:
    provider = make_provider(w.admin, "webdav")["providerId"]
    return lambda: (
        ok(as_(w.admin, "DELETE", f"/api/drives/providers/{provider}"), 204),
        Expected(w.admin.id, provider),
    )[1]


def drive_connection_created(w: World) -> Act:
    provider = make_provider(w.admin, "webdav")["providerId"]
    w.secrets.append(WEBDAV_PASSWORD)

    def act() -> Expected:
        made = make_connection(w.admin, provider, username="team", password=WEBDAV_PASSWORD)
        return Expected(w.admin.id, made["connectionId"])

    return act


def drive_connection_deleted(w: World) -> Act:
    provider = make_provider(w.admin, "webdav")["providerId"]
    connection = make_connection(w.admin, provider, username="team", password=WEBDAV_PASSWORD)["connectionId"]
    w.secrets.append(WEBDAV_PASSWORD)
    path = f"/api/drives/connections/{connection}"
    return lambda: (ok(as_(w.admin, "DELETE", path), 204), Expected(w.admin.id, connection))[1]


def drive_connection_authorized(w: World) -> Act:
    provider = oauth_provider(w.admin, w.fake)["providerId"]
    connection = make_connection(w.admin, provider)["connectionId"]
    started = start(_Answers(), w.admin, provider, connection)
    query = authorize(started["authorizeUrl"])
    w.secrets += [OAUTH_CLIENT_SECRET, started["state"], query["code"]]

    def act() -> Expected:
        message, _, _ = callback(provider, query)
        assert message["status"] == "authorized", message
        w.secrets.extend(token[name] for token in w.fake.issued for name in ("access_token", "refresh_token"))
        return Expected(w.admin.id, connection, after={"status": "authorized", "reason": None})

    return act


def put_remote(w: World) -> Reply:
    body = {"projectId": w.project, "url": "https://git.example.com/acme/handbook.git", "username": "alice"}
    return ok(as_(w.user, "PUT", "/api/git/remotes/origin", {**body, "token": GIT_TOKEN}))


def git_remote_saved(w: World) -> Act:
    w.secrets.append(GIT_TOKEN)

    def act() -> Expected:
        put_remote(w)
        after = {"url": "https://git.example.com/acme/handbook.git", "username": "alice", "credentialType": "token"}
        return Expected(w.user.id, w.project, after=after)

    return act


def git_remote_deleted(w: World) -> Act:
    put_remote(w)
    w.secrets.append(GIT_TOKEN)
    query = {"projectId": w.project}
    return lambda: (
        ok(as_(w.user, "DELETE", "/api/git/remotes/origin", query=query), 204),
        Expected(w.user.id, w.project),
    )[1]


class _Answers:
    def __call__(self, method: str, path: str, **kwargs: Any) -> Reply:
        return call(method, path, **kwargs)


CASES: dict[Action, Callable[[World], Act]] = {
    Action.SIGN_IN: sign_in,
    Action.SIGN_IN_FAILED: sign_in_failed,
    Action.LOGOUT_ALL: logout_all,
    Action.PASSWORD_CHANGED: password_changed,
    Action.PASSWORD_RESET: password_reset,
    Action.USER_CREATED: user_created,
    Action.USER_CHANGED: user_changed,
    Action.USER_ROLE_CHANGED: user_role_changed,
    Action.USER_DISABLED: user_disabled,
    Action.USER_ENABLED: user_enabled,
    Action.USER_DELETED: user_deleted,
    Action.API_KEY_CREATED: api_key_created,
    Action.API_KEY_REVOKED: api_key_revoked,
    Action.PROVIDER_CONFIGURED: provider_configured,
    Action.PROVIDER_MODEL_CHANGED: provider_model_changed,
    Action.PROVIDER_CONTEXT_1M: provider_context_1m,
    Action.POLICY_PERMISSION_MODES: policy_permission_modes,
    Action.QUOTAS_CHANGED: quotas_changed,
    Action.BUDGETS_CHANGED: budgets_changed,
    Action.RULES_SAVED: rules_saved,
    Action.RULES_RESTORED: rules_restored,
    Action.DRIVE_PROVIDER_CREATED: drive_provider_created,
    Action.DRIVE_PROVIDER_CHANGED: drive_provider_changed,
    Action.DRIVE_PROVIDER_DELETED: drive_provider_deleted,
    Action.DRIVE_CONNECTION_CREATED: drive_connection_created,
    Action.DRIVE_CONNECTION_DELETED: drive_connection_deleted,
    Action.DRIVE_CONNECTION_AUTHORIZED: drive_connection_authorized,
    Action.GIT_REMOTE_SAVED: git_remote_saved,
    Action.GIT_REMOTE_DELETED: git_remote_deleted,
}


@pytest.fixture
def world(accounts: AccountsStack, fake: FakeOAuth) -> World:
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    admin = register_first()
    user = create_user(admin, "user", email="user@example.com")
    project = ok(as_(user, "POST", "/api/projects", {"name": "handbook"}), 201).json["id"]
    return World(accounts, fake, admin, user, project, secrets=[PASSWORD, NEW_PASSWORD, KEY, SECRET_KEY])


def entries(admin: Person, **query: str) -> list[dict[str, Any]]:
    reply = ok(call("GET", AUDIT, token=admin.token, query={"limit": "200", **query}))
    return list(reply.json["entries"])


def test_every_action_of_the_vocabulary_has_a_case() -> None:
    assert set(CASES) == set(Action)


@pytest.mark.parametrize("action", list(CASES), ids=[action.value for action in CASES])
def test_each_audited_action_writes_exactly_one_entry_without_secrets(world: World, action: Action) -> None:
    # Given the action's setup done, and the entries that setup wrote
    act = CASES[action](world)
    reader = world.admin
    seen = {entry["id"] for entry in entries(reader)}

    # When the action is done through the API
    expected = act()

    # Then exactly one new entry: this action, its actor and target, from the caller's address
    new = [entry for entry in entries(reader) if entry["id"] not in seen]
    assert [entry["action"] for entry in new] == [action.value], new
    (entry,) = new
    assert (entry["actorId"], entry["target"]["id"]) == (expected.actor, expected.target), entry
    assert entry["ip"] == "203.0.113.7" and entry["outcome"] in ("ok", "invalid_credentials")
    if expected.actor_name:
        assert entry["actorName"] == expected.actor_name
    if expected.before is not None:
        assert {key: entry["before"][key] for key in expected.before} == expected.before, entry
    if expected.after is not None:
        assert {key: entry["after"][key] for key in expected.after} == expected.after, entry
    # and no secret the test handled appears anywhere in it
    text = json.dumps(entry)
    for secret in world.secrets:
        assert secret not in text, (secret, entry)


def test_a_failed_sign_in_names_the_username_tried_and_never_the_password(world: World) -> None:
    # When someone tries a wrong password, and someone types a password into the username field
    ok(call("POST", "/api/auth/login", json_body={"username": "user", "password": WRONG_PASSWORD}), 401)
    ok(call("POST", "/api/auth/login", json_body={"username": "nobody", "password": WRONG_PASSWORD}), 401)

    # Then both are failures naming what was tried, with no account and no password
    failed = entries(world.admin, action="auth.sign_in_failed")
    assert [(e["actorName"], e["actorId"], e["via"], e["outcome"]) for e in failed] == [
        ("nobody", None, "anonymous", "invalid_credentials"),
        ("user", None, "anonymous", "invalid_credentials"),
    ]
    assert WRONG_PASSWORD not in json.dumps(failed)


def test_filters_by_actor_action_target_words_and_period(world: World) -> None:
    admin, user = world.admin, world.user
    save_rules(user, "# Rules\n", 0)
    ok(as_(admin, "PATCH", f"/api/admin/users/{user.id}", {"isAdmin": True}))

    by_actor = entries(admin, actorId=user.id)
    assert {e["actorId"] for e in by_actor} == {user.id}
    assert {e["action"] for e in by_actor} >= {"rules.saved", "auth.sign_in"}
    assert [e["action"] for e in entries(admin, actorId=user.id, action="rules.saved")] == ["rules.saved"]
    on_user = entries(admin, targetId=user.id)
    assert {e["target"]["id"] for e in on_user} == {user.id}
    assert {"user.created", "user.role_changed", "rules.saved"} <= {e["action"] for e in on_user}
    assert [e["action"] for e in entries(admin, targetId=user.id, actorId=admin.id, action="user.role_changed")] == [
        "user.role_changed"
    ]
    assert {e["action"] for e in entries(admin, q="CLAUDE.md")} == {"rules.saved"}
    today = datetime.now(UTC).date()
    assert entries(admin, **{"from": str(today), "to": str(today)})
    assert entries(admin, **{"from": str(today - timedelta(days=10)), "to": str(today - timedelta(days=1))}) == []
    # newest first, and a page at a time
    everything = entries(admin)
    assert [e["at"] for e in everything] == sorted((e["at"] for e in everything), reverse=True)
    first = ok(call("GET", AUDIT, token=admin.token, query={"limit": "2"})).json
    second = ok(call("GET", AUDIT, token=admin.token, query={"limit": "2", "cursor": first["nextCursor"]})).json
    assert [e["id"] for e in first["entries"] + second["entries"]] == [e["id"] for e in everything[:4]]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2025-03-02", "to": "2025-03-01"}, "invalid_period"),
        ({"from": "2025-01-01", "to": "2025-06-01"}, "period_too_long"),
        ({"from": "March"}, "invalid_request"),
        ({"action": "user.hacked"}, "invalid_request"),
        ({"limit": "1000"}, "invalid_request"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "invalid_cursor"),
        ({"cursor": "m\x04ØvAv\U000f0bbb5Ä"}, "invalid_cursor"),  # not even ASCII (found by the API fuzz test)
    ],
)
def test_a_bad_query_is_a_clear_400(world: World, query: dict[str, str], code: str) -> None:
    reply = call("GET", AUDIT, token=world.admin.token, query=query)
    assert (reply.status, reply.code) == (400, code), reply.json


def test_only_administrators_read_the_log(world: World) -> None:
    assert call("GET", AUDIT, token=world.user.token).code == "admin_only"
    key = create_key(world.admin, "reader", scope="full")
    assert call("GET", AUDIT, api_key=key["key"]).status == 200
    integrations = create_key(world.admin, "narrow", scope="integrations")
    assert call("GET", AUDIT, api_key=integrations["key"]).code == "insufficient_scope"


def test_the_action_filter_lists_every_audited_action_before_any_is_seen(world: World) -> None:
    # Given a log holding only the setup's entries (a sign-in, a user created)
    seen = {entry["action"] for entry in entries(world.admin)}

    # When an administrator asks for the actions the filter offers
    reply = ok(call("GET", f"{AUDIT}/actions", token=world.admin.token))

    # Then it is the whole vocabulary, in its order, each one accepted by the filter; more than the log has seen
    assert reply.json == {"actions": [action.value for action in Action]}
    assert seen < set(reply.json["actions"])
    assert ok(call("GET", AUDIT, token=world.admin.token, query={"action": "git.remote_deleted"})).json["entries"] == []
    assert call("GET", f"{AUDIT}/actions", token=world.user.token).code == "admin_only"
    documented = call("GET", "/api/openapi.json").json["paths"][f"{AUDIT}/actions"]["get"]
    assert documented["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AuditActions"
    }


def test_entries_expire_after_the_configured_retention(world: World) -> None:
    # Given a retention of 30 days
    world.accounts.configure(STUDIO_AUDIT_RETENTION_DAYS="30")
    # When something is audited
    save_rules(world.user, "# Rules\n", 0)
    # Then its row expires 30 days after it was written
    (row,) = [row for row in AuditEntry.scan() if row.action == "rules.saved"]
    assert abs(row.expires_at - (row.at + timedelta(days=30))) < timedelta(seconds=2)


def test_each_entry_is_also_one_json_log_line(world: World, caplog: pytest.LogCaptureFixture) -> None:
    # When something is audited
    caplog.clear()
    save_rules(world.user, "# Rules\n", 0)
    # Then the logger wrote one JSON line {"audit": {...}} (CloudWatch Logs' copy in the cloud)
    lines = [json.loads(logger.registered_formatter.format(r)) for r in caplog.records if hasattr(r, "audit")]
    assert [line["audit"]["action"] for line in lines] == ["rules.saved"]
    (line,) = lines
    assert (line["audit"]["actorId"], line["audit"]["target"]["id"]) == (world.user.id, world.user.id)


def test_a_failed_write_is_logged_and_the_action_goes_on(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a table that refuses writes
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PutError("throttled")

    monkeypatch.setattr(AuditEntry, "save", refuse)
    caplog.clear()
    # When something is audited, then it is done all the same, and the failure is an error in the log
    assert save_rules(world.user, "# Rules\n", 0).json["version"] == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == ["could not store an audit entry"]


def test_redaction_hides_secret_fields_and_credential_like_values() -> None:
    redacted = redact(
        {
            "clientSecret": "x",
            "newPassword": "y",
            "api_key": "z",
            "tokensPerDay": 500,
            "keyHint": "…abcd",
            "url": "https://bob:hunter2@git.example.com/r.git",
            "note": "key sk_0123456789abcdef_0123456789abcdefABCDEF",
            "nested": {"token": "t", "model": MODEL},
        }
    )
    assert redacted == {
        "clientSecret": REDACTED,
        "newPassword": REDACTED,
        "api_key": REDACTED,
        "tokensPerDay": 500,
        "keyHint": "…abcd",
        "url": f"https://{REDACTED}@git.example.com/r.git",
        "note": f"key {REDACTED}",
        "nested": {"token": REDACTED, "model": MODEL},
    }
