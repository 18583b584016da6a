"""Session tokens: they expire, cannot be forged or altered, and stop working when the account changes."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
import pytest

from shared.accounts import users
from tests.support.accounts import (
    JWT_SECRET,
    PASSWORD,
    AccountsStack,
    Person,
    call,
    create_user,
    register_first,
    sign_in,
    token_issued_at,
    with_claims,
)


def me(token: str) -> tuple[int, str | None]:
    reply = call("GET", "/api/auth/me", token=token)
    return reply.status, reply.code


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(person: Person, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "sasha-studio", "sub": person.id, "tv": 0, "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex}
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.fixture
def alice(accounts: AccountsStack) -> Person:
    return create_user(register_first(), "alice")


def test_an_expired_token_is_refused_as_expired(accounts: AccountsStack, alice: Person) -> None:
    # Given a token issued with the real secret two hours ago, with a one-hour lifetime
    accounts.configure(STUDIO_JWT_TTL_SECONDS="3600")
    expired = token_issued_at(alice.id, time.time() - 7200)
    assert jwt.decode(expired, options={"verify_signature": False})["exp"] < time.time()

    # When it is used
    reply = call("GET", "/api/auth/me", token=expired)

    # Then the answer says it expired, and asks for a bearer token again
    assert (reply.status, reply.code) == (401, "token_expired")
    assert reply.headers["www-authenticate"] == "Bearer"
    assert "sign in again" in reply.json["error"]["message"]


def test_a_token_with_a_changed_payload_is_refused(alice: Person) -> None:
    # Given alice's token with its payload rewritten to name the administrator, the signature kept
    admin_id = next(row.user_id for row in users.User.scan() if row.is_admin)
    tampered = with_claims(alice.token, sub=admin_id)

    # When it is used on an admin route and on /me
    listing = call("GET", "/api/admin/users", token=tampered)

    # Then it is refused, and nothing about the admin is revealed
    assert (listing.status, listing.code) == (401, "invalid_token")
    assert me(tampered) == (401, "invalid_token")
    assert admin_id not in json.dumps(listing.json)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda p: jwt.encode(claims_of(p), "another-secret-of-32-characters!!", "HS256"), id="other-secret"
        ),
        pytest.param(lambda p: f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims_of(p))}.", id="alg-none"),
        pytest.param(
            lambda p: jwt.encode(claims_of(p), JWT_SECRET, "HS512"),
            id="other-algorithm",
            marks=pytest.mark.filterwarnings("ignore:The HMAC key"),
        ),
        pytest.param(lambda p: jwt.encode(claims_of(p, iss="someone-else"), JWT_SECRET, "HS256"), id="other-issuer"),
        pytest.param(lambda p: jwt.encode(claims_of(p, tv=None), JWT_SECRET, "HS256"), id="no-token-version"),
        pytest.param(lambda p: jwt.encode(claims_of(p, tv="0"), JWT_SECRET, "HS256"), id="text-token-version"),
        pytest.param(lambda p: jwt.encode(claims_of(p, exp=None), JWT_SECRET, "HS256"), id="no-expiry"),
        pytest.param(lambda p: "not-a-jwt", id="garbage"),
        pytest.param(lambda p: p.token[:-4], id="truncated"),
    ],
)
def test_a_forged_or_malformed_token_is_refused(alice: Person, forge: Any) -> None:
    assert me(forge(alice)) == (401, "invalid_token")


def test_the_forgeries_differ_from_a_valid_token_only_in_their_flaw(alice: Person) -> None:
    # The same claims, signed properly, are accepted: each forgery above fails for its flaw alone
    assert me(jwt.encode(claims_of(alice), JWT_SECRET, "HS256")) == (200, None)


def test_a_well_signed_token_of_a_user_that_does_not_exist_is_refused(alice: Person) -> None:
    token = jwt.encode(claims_of(alice, sub="no-such-user"), JWT_SECRET, "HS256")

    assert me(token) == (401, "token_revoked")


def test_changing_your_password_ends_your_other_sessions(alice: Person) -> None:
    # Given two sessions of alice
    other_session = alice.token
    second_session = alice.refresh_token()

    # When she changes her password in one of them
    reply = call(
        "PATCH",
        "/api/auth/me",
        json_body={"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"},
        token=second_session,
    )

    # Then she gets a fresh token that works, and both earlier tokens are revoked
    assert reply.status == 200
    assert me(reply.json["token"]) == (200, None)
    assert me(other_session) == (401, "token_revoked")
    assert me(second_session) == (401, "token_revoked")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"newPassword": "a brand new passphrase"}, 400, "current_password_required"),
        ({"currentPassword": "not it", "newPassword": "a brand new passphrase"}, 401, "invalid_credentials"),
        ({"currentPassword": PASSWORD, "newPassword": "short"}, 400, "weak_password"),
    ],
)
def test_a_password_change_without_the_current_password_changes_nothing(
    alice: Person, body: dict[str, str], status: int, code: str
) -> None:
    reply = call("PATCH", "/api/auth/me", json_body=body, token=alice.token)

    assert (reply.status, reply.code) == (status, code)
    assert me(alice.token) == (200, None)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"password": "set by the administrator"}, id="admin-sets-password"),
        pytest.param({"isActive": False}, id="disabled"),
    ],
)
def test_an_administrator_change_revokes_the_users_tokens(alice: Person, change: dict[str, Any]) -> None:
    # Given alice signed in, and an administrator
    admin = sign_in("admin")

    # When the administrator changes her password or disables her
    assert call("PATCH", f"/api/admin/users/{alice.id}", json_body=change, token=admin.token).status == 200

    # Then her token stops working
    assert me(alice.token) == (401, "token_revoked")


def test_re_enabling_an_account_does_not_revive_its_old_tokens(alice: Person) -> None:
    admin = sign_in("admin")
    old = alice.token
    for active in (False, True):
        call("PATCH", f"/api/admin/users/{alice.id}", json_body={"isActive": active}, token=admin.token)

    assert me(old) == (401, "token_revoked")
    assert me(alice.refresh_token()) == (200, None)


def test_deleting_an_account_revokes_its_tokens(alice: Person) -> None:
    admin = sign_in("admin")

    assert call("DELETE", f"/api/admin/users/{alice.id}", token=admin.token).status == 204

    assert me(alice.token) == (401, "token_revoked")


def test_a_demoted_administrator_loses_admin_rights_at_once(accounts: AccountsStack) -> None:
    # Given two administrators, one signed in
    admin = register_first()
    other = create_user(admin, "other-admin", is_admin=True)
    assert call("GET", "/api/admin/users", token=other.token).status == 200

    # When the first one demotes the second
    call("PATCH", f"/api/admin/users/{other.id}", json_body={"isAdmin": False}, token=admin.token)

    # Then the same token still signs them in, but no longer opens admin routes
    assert me(other.token) == (200, None)
    assert call("GET", "/api/admin/users", token=other.token).code == "admin_only"
