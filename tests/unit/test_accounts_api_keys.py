"""Workflow 15: API keys: shown once, stored hashed, acting with exactly the owner's rights, deactivatable."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from shared import net
from shared.accounts import api_keys
from shared.errors import ValidationError
from shared.models.api_keys import ApiKey
from tests.support.accounts import AccountsStack, Person, Reply, call, create_key, create_user, register_first

KEY_SHAPE = re.compile(r"^sk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$")


def me_with(key: str) -> Reply:
    return call("GET", "/api/auth/me", api_key=key)


@pytest.fixture
def people(accounts: AccountsStack) -> tuple[Person, Person]:
    admin = register_first()
    return admin, create_user(admin, "alice")


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(people: tuple[Person, Person]) -> None:
    # When alice creates a key
    _, alice = people
    created = create_key(alice, "ci pipeline", "http://127.0.0.1:9000/hook")

    # Then the reply carries the key and the signing secret, once
    assert KEY_SHAPE.match(created["key"])
    assert created["id"] in created["key"]
    assert len(created["signingSecret"]) >= 43
    assert (created["name"], created["callbackUrl"], created["isActive"]) == (
        "ci pipeline",
        "http://127.0.0.1:9000/hook",
        True,
    )
    # and the listing never shows either again
    [listed] = call("GET", "/api/api-keys", token=alice.token).json
    assert set(listed) == {"id", "name", "callbackUrl", "scope", "isActive", "lastUsedAt", "createdAt"}
    assert created["scope"] == listed["scope"] == "integrations"  # unless asked otherwise
    # and the table holds a SHA-256 of the secret and the signing secret sealed with KMS
    row = ApiKey.get(created["id"])
    secret = created["key"].split("_", 2)[2]  # sk_<key id>_<secret>; the secret may itself contain "_"
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert created["signingSecret"].encode() not in bytes(row.signing_secret_encrypted.ciphertext)
    assert api_keys.signing_secret(row) == created["signingSecret"]


def test_a_key_acts_as_its_owner_with_the_owners_rights(people: tuple[Person, Person]) -> None:
    # Given a full-scope key of the admin and one of alice
    admin, alice = people
    admin_key, alice_key = create_key(admin, scope="full")["key"], create_key(alice, scope="full")["key"]

    # Then each key is its owner, and only the admin's key opens admin routes (those that read)
    assert me_with(alice_key).json["id"] == alice.id
    assert me_with(admin_key).json["id"] == admin.id
    assert call("GET", "/api/admin/users", api_key=admin_key).status == 200
    denied = call("GET", "/api/admin/users", api_key=alice_key)
    assert (denied.status, denied.code) == (403, "admin_only")


def test_a_key_follows_its_owners_account(people: tuple[Person, Person]) -> None:
    # Given alice's key, and the admin disabling her
    admin, alice = people
    key = create_key(alice)["key"]
    call("PATCH", f"/api/admin/users/{alice.id}", json_body={"isActive": False}, token=admin.token)

    # Then her key stops working too
    assert (me_with(key).status, me_with(key).code) == (401, "invalid_api_key")


def test_a_deactivated_key_is_refused(people: tuple[Person, Person]) -> None:
    # Given alice's key, which works
    _, alice = people
    created = create_key(alice, scope="full")
    assert me_with(created["key"]).status == 200

    # When she deactivates it (twice: it is idempotent)
    first = call("DELETE", f"/api/api-keys/{created['id']}", token=alice.token)
    second = call("DELETE", f"/api/api-keys/{created['id']}", token=alice.token)

    # Then it is listed as inactive and refused with 401
    assert (first.status, first.json["isActive"]) == (200, False)
    assert second.status == 200
    assert call("GET", "/api/api-keys", token=alice.token).json[0]["isActive"] is False
    assert (me_with(created["key"]).status, me_with(created["key"]).code) == (401, "invalid_api_key")


def test_a_key_cannot_take_over_its_owners_account_through_the_email(people: tuple[Person, Person]) -> None:
    # Given alice's full-scope key in the hands of an integration (or of whoever leaked it)
    _, alice = people
    key = create_key(alice, scope="full")["key"]

    # When it changes her email to an address it controls (the next step would be "forgot password")
    reply = call("PATCH", "/api/auth/me", json_body={"email": "attacker@example.net"}, api_key=key)

    # Then that is refused: account recovery settings need a signed-in session, not an integration key
    assert (reply.status, reply.code) == (403, "session_required")
    assert me_with(key).json["email"] is None


def test_unknown_wrong_and_malformed_keys_get_one_answer(people: tuple[Person, Person]) -> None:
    _, alice = people
    real = create_key(alice)["key"]
    _, key_id, secret = real.split("_", 2)
    presented = [
        f"sk_{'0' * 32}_{secret}",  # unknown key id
        f"sk_{key_id}_{'A' * 43}",  # wrong secret
        f"sk_{key_id}_{secret[:-1]}",  # truncated
        f"sk_{key_id.upper()}_{secret}",  # not the id's spelling
        "sk_",
        "Bearer sk_nothing",
        f"{real}{real}",
    ]

    replies = [me_with(key) for key in presented]

    assert {(reply.status, reply.code) for reply in replies} == {(401, "invalid_api_key")}
    assert len({str(reply.without_request_id()) for reply in replies}) == 1


def test_use_records_last_used_at_at_most_once_a_minute(people: tuple[Person, Person]) -> None:
    # Given a key never used
    _, alice = people
    created = create_key(alice)
    assert ApiKey.get(created["id"]).last_used_at is None

    # When it is used twice in a row
    me_with(created["key"])
    first_use = ApiKey.get(created["id"]).last_used_at
    me_with(created["key"])

    # Then the first use is recorded, and the second within the minute does not write again
    assert first_use is not None
    assert ApiKey.get(created["id"]).last_used_at == first_use
    assert call("GET", "/api/api-keys", token=alice.token).json[0]["lastUsedAt"] is not None

    # When the last use is more than a minute ago, the next use is recorded
    ApiKey.get(created["id"]).update(actions=[ApiKey.last_used_at.set(first_use - timedelta(minutes=2))])
    me_with(created["key"])
    assert ApiKey.get(created["id"]).last_used_at > first_use - timedelta(minutes=2)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "hook", "callbackUrl": "ftp://example.com/hook"}, "invalid_url"),
        ({"name": "hook", "callbackUrl": "https://user:secret@example.com/hook"}, "invalid_url"),
        ({"name": "hook", "callbackUrl": "javascript:alert(1)"}, "invalid_url"),
        ({"name": "   "}, "invalid_name"),
    ],
)
def test_a_bad_key_request_is_refused(people: tuple[Person, Person], body: dict[str, str], code: str) -> None:
    _, alice = people

    reply = call("POST", "/api/api-keys", json_body=body, token=alice.token)

    assert (reply.status, reply.code) == (400, code)
    assert list(ApiKey.scan()) == []


def test_in_the_cloud_a_key_cannot_point_its_callbacks_at_private_addresses(
    accounts: AccountsStack, people: tuple[Person, Person]
) -> None:
    # Given the API running in cloud mode (locally, loopback callbacks are allowed for development)
    _, alice = people
    accounts.configure(STUDIO_MODE="aws", STUDIO_BCRYPT_ROUNDS="10")

    # When alice registers callbacks to the metadata service, a private network and loopback
    urls = ["https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/hook", "http://127.0.0.1:9000/hook"]
    replies = [
        call("POST", "/api/api-keys", json_body={"name": "k", "callbackUrl": u}, token=alice.token) for u in urls
    ]

    # Then every one is refused and no key exists
    assert [(reply.status, reply.code) for reply in replies] == [(400, "invalid_url")] * 3
    assert list(ApiKey.scan()) == []


@pytest.mark.unit
@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://[::ffff:169.254.169.254]/",
        "https://0.0.0.0/",
        "https://2130706433/",  # 127.0.0.1 written as a number
        "https://localhost/",
        "http://93.184.215.14/hook",  # public, but not https
        "https://user:pw@93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https:///no-host",
        "https://" + "a" * 2050 + ".com/",
    ],
)
def test_the_server_refuses_callback_urls_it_must_not_call(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        net.check_outbound_url(url, allow_private=False)

    assert refused.value.code == "invalid_url"


@pytest.mark.unit
def test_the_shared_address_space_is_not_public() -> None:
    with pytest.raises(ValidationError):
        net.check_outbound_url("https://100.64.0.1/hook", allow_private=False)


@pytest.mark.unit
def test_a_public_https_address_is_accepted() -> None:
    assert net.check_outbound_url("https://93.184.215.14/hook", allow_private=False) == "https://93.184.215.14/hook"
