"""The data model: every table creates as its spec says, and the access patterns of docs/data-model.md hold."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pynamodb.connection import Connection as DynamoConnection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

import shared.models as models
from shared import db
from shared.db import Reads, put_all
from shared.models.accounts import FIRST_USER_CLAIM, ClaimKind, UniqueClaim, User, claim_key
from shared.models.api_keys import ApiKey
from shared.models.audit import AuditEntry
from shared.models.base import StudioModel, all_models, bind_models, table_specs, utcnow
from shared.models.chat import SessionEvent
from shared.models.cloud import CloudConnection
from shared.models.fields import SealedSecret, normalize_key, time_sort_key
from shared.models.files import FileTree
from shared.models.projects import ProjectMember, ProjectRole
from shared.models.prompts import PromptScope, PromptVersion, prompt_scope_key
from shared.settings import Settings, get_settings
from tests.support.aws import tables_emptied_after

SETTINGS = Settings(region="us-east-1", aws_endpoint_url=None, table_prefix="test-")

EXPECTED_TABLES = {
    "users", "unique_claims", "password_resets", "api_keys", "rate_limits", "projects", "project_members",
    "sessions", "raw_exchanges", "usage_events", "quality_signals", "session_events", "personas", "guides",
    "prompt_versions", "company_profiles", "research_events", "research_documents", "cloud_providers",
    "cloud_connections", "cloud_credentials", "cloud_mounts", "meetings", "transcript_segments", "bedrock_config",
    "bedrock_context_audit", "settings", "connections", "jobs", "schedules", "executions", "counters",
    "integration_runs", "uploads", "file_trees", "git_remotes", "budgets", "usage_aggregates", "audit_log",
    "runner_leases",
}  # fmt: skip

# Tables that hold a user's data but are reached through a parent, not by a user index; each says why.
REACHED_THROUGH_A_PARENT = {
    "unique_claims": "GetItem on the claims derived from the user row; the bootstrap claim is never released",
    "cloud_credentials": "GetItem by connection_id of each of the user's cloud_connections",
    "bedrock_context_audit": "an audit trail, kept when its author is deleted",
    "usage_aggregates": "Query `user#<id>#<dimension>`; the organization's sums keep a deleted user's share and id",
}


@pytest.fixture(scope="module")
def aws_tables() -> Iterator[None]:
    """Every table, created once per module inside moto (creating 30 tables per test takes seconds)."""
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
            env.setenv(name, "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with mock_aws():
            bind_models(SETTINGS)
            for model in all_models():
                model.create_table(wait=True)
            yield
        # Drop the connections made inside the mock, so later tests never reuse a mocked client.
        bind_models(get_settings())


@pytest.fixture
def aws(aws_tables: None) -> Iterator[None]:
    """Empty tables for one test; whatever the test wrote is deleted after it."""
    with tables_emptied_after():
        yield


def transaction() -> TransactWrite:
    return TransactWrite(connection=DynamoConnection(region=SETTINGS.region))


def register(username: str, user_id: str, *, first: bool = False) -> None:
    """Create a user and its username claim atomically, as registration and admin create do."""
    with transaction() as tx:
        if first:
            tx.save(UniqueClaim(FIRST_USER_CLAIM, owner_id=user_id), condition=UniqueClaim.claim.does_not_exist())
        tx.save(
            UniqueClaim(claim_key(ClaimKind.USERNAME, username), owner_id=user_id),
            condition=UniqueClaim.claim.does_not_exist(),
        )
        tx.save(
            User(user_id, username=username, username_key=normalize_key(username), password_hash="x", is_admin=first),
            condition=User.user_id.does_not_exist(),
        )


def test_every_table_is_created_with_the_keys_indexes_and_ttl_of_its_spec(aws: None) -> None:
    # Given the tables created from the models
    client = boto3.client("dynamodb", region_name=SETTINGS.region)
    # When each one is described
    for spec in table_specs():
        name = SETTINGS.table_name(spec.logical_name)
        table = client.describe_table(TableName=name)["Table"]
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        # Then it has exactly the keys, indexes, billing mode and TTL that the spec gives the CDK app
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        keys = [(k["AttributeName"], types[k["AttributeName"]]) for k in table["KeySchema"]]
        wanted = [(spec.hash_key.name, spec.hash_key.type)]
        wanted += [(spec.range_key.name, spec.range_key.type)] if spec.range_key else []
        assert keys == wanted, name
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        described = {
            index["IndexName"]: (
                [(k["AttributeName"], types[k["AttributeName"]]) for k in index["KeySchema"]],
                index["Projection"]["ProjectionType"],
                sorted(index["Projection"].get("NonKeyAttributes", [])),
            )
            for index in table.get("GlobalSecondaryIndexes", [])
        }
        assert described == {
            index.name: (
                [(index.hash_key.name, index.hash_key.type)]
                + ([(index.range_key.name, index.range_key.type)] if index.range_key else []),
                index.projection,
                sorted(index.non_key_attributes),
            )
            for index in spec.indexes
        }, name
        assert ttl.get("AttributeName") == spec.ttl_attribute, name


@pytest.mark.unit
def test_table_specs_list_every_model_once_with_a_one_line_description() -> None:
    # Given every model, when the specs are derived
    specs = table_specs()
    # Then each table appears once, every spec area is covered, and each has a description for the console
    names = [spec.logical_name for spec in specs]
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED_TABLES == {m.Meta.logical_name for m in all_models()}
    for spec in specs:
        assert spec.description and "\n" not in spec.description, spec.logical_name
        for index in spec.indexes:
            assert re.fullmatch(r"[a-z]+(-[a-z]+)*", index.name), index.name


@pytest.mark.unit
def test_every_declared_index_is_attached_to_its_model() -> None:
    # Given every index class declared in shared.models (an unattached one silently never gets created)
    declared = {
        cls
        for info in pkgutil.iter_modules(models.__path__)
        for _, cls in inspect.getmembers(importlib.import_module(f"shared.models.{info.name}"), inspect.isclass)
        if issubclass(cls, GlobalSecondaryIndex) and cls is not GlobalSecondaryIndex
    }
    # When the indexes of the models are collected
    attached = {type(index) for model in all_models() for index in model._indexes.values()}
    # Then none is missing
    assert declared - attached == set()


@pytest.mark.unit
def test_every_table_with_a_user_is_reachable_by_that_user_without_a_scan() -> None:
    # Given the delete-user cascade, which must find every record of a user by key
    for model in all_models():
        attributes = model.get_attributes()
        owner = next((name for name in ("user_id", "owner_id") if name in attributes), None)
        if owner is None or model.Meta.logical_name in REACHED_THROUGH_A_PARENT:
            continue
        # When the keys of the table and of its indexes are listed
        hash_keys = {model._hash_keyname} | {
            next(a.attr_name for a in index.Meta.attributes.values() if a.is_hash_key)
            for index in model._indexes.values()
        }
        # Then the owner attribute is one of them
        assert owner in hash_keys, model.Meta.logical_name


@pytest.mark.unit
def test_normalized_keys_treat_case_and_compatibility_forms_as_one_name() -> None:
    # Given spellings of one name, when normalized, then they collide, and a fold that leaves NFKC is repaired
    assert normalize_key("Alice") == normalize_key("ALICE") == normalize_key("\uff21lice") == "alice"
    assert normalize_key("\u01f0") == normalize_key("J\u030c")
    assert claim_key(ClaimKind.USERNAME, "Alice") == "username#alice"


def test_a_duplicate_username_is_refused_by_the_claim_inside_the_transaction(aws: None) -> None:
    # Given alice registered
    register("alice", "u1")
    # When someone registers "ALICE" (the same normalized name)
    with pytest.raises(TransactWriteError) as refused:
        register("ALICE", "u2")
    # Then the username claim is the item that failed, and no second user exists
    assert [reason.code if reason else None for reason in refused.value.cancellation_reasons] == [
        "ConditionalCheckFailed",
        None,
    ]
    assert UniqueClaim.get(claim_key(ClaimKind.USERNAME, "alice")).owner_id == "u1"
    assert not User.count("u2")


def test_only_one_first_admin_can_take_the_bootstrap_claim(aws: None) -> None:
    # Given a first registration that took the bootstrap claim
    register("alice", "u1", first=True)
    # When a concurrent first registration under another name commits after it
    with pytest.raises(TransactWriteError) as refused:
        register("bob", "u2", first=True)
    # Then the bootstrap claim refused it, alice alone is admin, and bob was not created
    assert [reason.code if reason else None for reason in refused.value.cancellation_reasons] == [
        "ConditionalCheckFailed",
        None,
        None,
    ]
    assert User.get("u1").is_admin
    assert not User.count("u2")


def test_login_lookup_finds_the_user_by_normalized_username(aws: None) -> None:
    # Given a user who signed up as "Alice"
    register("Alice", "u1")
    # When someone logs in as "ALICE"
    found = list(User.by_username.query(normalize_key("ALICE")))
    # Then the index returns the user with what login needs, in one read
    assert [(u.user_id, u.username, u.password_hash, u.token_version) for u in found] == [("u1", "Alice", "x", 0)]


def test_sparse_email_index_holds_only_users_with_an_email(aws: None) -> None:
    # Given one user with an email and one without
    User("u1", username="a", username_key="a", password_hash="x", email="A@x.io", email_key="a@x.io").save()
    User("u2", username="b", username_key="b", password_hash="x").save()
    # When the index is read in full
    in_index = {user.user_id for user in User.by_email.scan()}
    # Then only the user with an email is there
    assert in_index == {"u1"}


def test_oauth_state_index_holds_only_connections_waiting_for_a_callback(aws: None) -> None:
    # Given a connection waiting for its OAuth callback and one already authorized
    state_hash = hashlib.sha256(b"state").hexdigest()
    waiting = CloudConnection("c1", provider_id="p", user_id="u", oauth_state_hash=state_hash)
    waiting.save()
    CloudConnection("c2", provider_id="p", user_id="u", status="authorized").save()
    # When the callback looks its state up, and later clears it
    found = [c.connection_id for c in CloudConnection.by_oauth_state.query(state_hash)]
    waiting.update(actions=[CloudConnection.oauth_state_hash.remove()])
    # Then only the waiting connection matched, and after the callback the index is empty
    assert found == ["c1"]
    assert list(CloudConnection.by_oauth_state.scan()) == []


def test_replay_after_seq_n_is_a_range_query(aws: None) -> None:
    # Given ten events of a session logged in batches of three, keyed by their last seq, and one of another session
    expires = timedelta(days=7)
    for first, last in ((1, 3), (4, 6), (7, 9), (10, 10)):
        batch = [{"type": "delta", "seq": seq} for seq in range(first, last + 1)]
        SessionEvent("s1", last, events=batch, published_at=[0] * len(batch), expires_at=expires).save()
    SessionEvent("s2", 9, events=[{"seq": 9}], published_at=[0], expires_at=expires).save()
    # When a client that saw seq 7 reconnects
    missed = list(SessionEvent.query("s1", SessionEvent.seq > 7))
    # Then the batch that holds 8 and 9 comes first, then 10, in order
    assert [[e["seq"] for e in item.events] for item in missed] == [[7, 8, 9], [10]]


def save_prompt(scope: str, version: int, content: str) -> None:
    """Put version n with attribute_not_exists and deactivate version n-1 in the same transaction."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    with transaction() as tx:
        tx.save(
            PromptVersion(scope, version, content=content, sha256=digest, author_id="u1"),
            condition=PromptVersion.version.does_not_exist(),
        )
        if version > 1:
            tx.update(
                PromptVersion(scope, version - 1),
                actions=[PromptVersion.is_active.set(False)],
                condition=PromptVersion.is_active == True,  # noqa: E712  # a PynamoDB condition, not a bool
            )


def test_the_current_claude_md_is_the_latest_version_and_the_only_active_one(aws: None) -> None:
    # Given three saved versions of a project's CLAUDE.md and one of another scope
    scope = prompt_scope_key(PromptScope.PROJECT, "p1")
    for version, content in enumerate(["# one", "# two", "# three"], start=1):
        save_prompt(scope, version, content)
    save_prompt(prompt_scope_key(PromptScope.USER, "u1"), 1, "# mine")
    # When the current version is read, and a concurrent save races for version 3
    current = next(PromptVersion.query(scope, scan_index_forward=False, limit=1, consistent_read=True))
    with pytest.raises(TransactWriteError):
        save_prompt(scope, 3, "# late writer")
    # Then it is version 3, the only active one, and the race was refused
    assert (current.version, current.content, current.is_active) == (3, "# three", True)
    assert [v.version for v in PromptVersion.query(scope) if v.is_active] == [3]


def test_a_reset_token_is_single_use_and_expires(aws: None) -> None:
    # Given an unused reset token that expires in an hour
    reset = models.PasswordReset("h1", user_id="u1", expires_at=timedelta(hours=1))
    reset.save()
    usable = models.PasswordReset.used_at.does_not_exist() & (models.PasswordReset.expires_at > utcnow())
    # When it is used twice
    reset.update(actions=[models.PasswordReset.used_at.set(utcnow())], condition=usable)
    # Then the second use is refused, and so is an expired token
    with pytest.raises(UpdateError):
        reset.update(actions=[models.PasswordReset.used_at.set(utcnow())], condition=usable)
    late = models.PasswordReset("h2", user_id="u1", expires_at=utcnow() - timedelta(minutes=1))
    late.save()
    with pytest.raises(UpdateError):
        late.update(actions=[models.PasswordReset.used_at.set(utcnow())], condition=usable)


def test_a_stale_bedrock_config_cannot_overwrite_a_newer_one(aws: None) -> None:
    # Given the config read by two admins
    models.BedrockConfig(region="us-east-1").save()
    first, second = models.BedrockConfig.get("active"), models.BedrockConfig.get("active")
    # When both save, the second from its stale copy
    first.active_model_id = "claude-a"
    first.save()
    second.active_model_id = "claude-b"
    # Then the stale write is refused by the version check
    with pytest.raises(PutError):
        second.save()
    assert models.BedrockConfig.get("active").active_model_id == "claude-a"


def test_api_key_listing_index_carries_no_secret_material(aws: None) -> None:
    # Given a key with a hashed secret and a sealed signing secret
    ApiKey("k1", secret_hash="h", user_id="u1", name="ci", signing_secret_encrypted=_sealed()).save()
    # When the user's keys are listed, and the key is read by id
    listed = next(ApiKey.by_user.query("u1"))
    by_id = ApiKey.get("k1")
    # Then the listing has the name but no secret, and the sealed bytes round-trip exactly
    assert (listed.name, listed.secret_hash, listed.signing_secret_encrypted) == ("ci", None, None)
    assert by_id.signing_secret_encrypted.nonce == b"n" * 12


def _sealed() -> SealedSecret:
    return SealedSecret(ciphertext=b"\x00c", encrypted_data_key=b"k", nonce=b"n" * 12, kms_key_id="alias/x")


SAMPLES: dict[str, Callable[[], StudioModel]] = {
    "accounts": lambda: models.RateLimit("login#ip#1.2.3.4", hits=3, expires_at=timedelta(minutes=15)),
    "projects": lambda: models.ProjectMember("p1", "u2", role=models.ProjectRole.EDITOR),
    "sessions": lambda: models.Session("s1", user_id="u1", project_id="p1", guide_ids={"g1", "g2"}, last_seq=4),
    "chat": lambda: models.RawExchange("s1", 1, user_id="u1", request_text="hi", response_text="hello", tokens_in=3),
    "usage": lambda: models.UsageEvent("u1", time_sort_key(), day="2025-01-02", session_id="s1", cost_usd=0.25),
    "quality": lambda: models.QualitySignal("s1", 1, user_id="u1", tool_errors=2, truncated=True),
    "prompts": lambda: models.Persona("pe1", user_id="u1", name="Analyst", prompt="Be precise.", is_default=True),
    "guides": lambda: models.Guide("g1", user_id="u1", name="Style", body="# Style\n"),
    "onboarding": lambda: models.CompanyProfile(models.COMPANY_PROFILE_ID, name="Acme", created_by="u1"),
    "research": lambda: models.ResearchDocument("company", "d1", title="Overview", content="# Acme"),
    "cloud": lambda: models.CloudMount(
        "m1",
        connection_id="c1",
        project_id="p1",
        path="drive",
        created_by="u1",
        due_shard="due",
        next_sync_at=utcnow(),
        last_sync={"pulled": 2, "pushed": 0, "deleted": 1, "conflicts": ["a.docx"]},
    ),
    "providers": lambda: models.CloudProvider(
        "pr1", provider_type="s3", display_name="Archive", bucket="acme-docs", region="eu-central-1", created_by="u1"
    ),
    "credentials": lambda: models.CloudCredential("c1", user_id="u1", tokens=_sealed(), access_expires_at=utcnow()),
    "meetings": lambda: models.TranscriptSegment("mt1", 1, speaker="A", text="Hello", start_ms=0, end_ms=900),
    "admin": lambda: models.Setting(models.GLOBAL_SCOPE, "theme", value={"dark": True}),
    "audit": lambda: models.BedrockContextAudit(sk=time_sort_key(), user_id="u1", enabled=True, acknowledgment="ok"),
    "audit_log": lambda: AuditEntry(
        "2025-01-02",
        time_sort_key(),
        entry_id="e1",
        at=utcnow(),
        action="user.role_changed",
        actor_id="u1",
        actor_name="alice",
        via="session",
        target_type="user",
        target_id="u2",
        before={"isAdmin": False},
        after={"isAdmin": True},
        expires_at=timedelta(days=365),
    ),
}


@pytest.mark.parametrize("area", sorted(SAMPLES))
def test_an_item_of_each_area_round_trips(aws: None, area: str) -> None:
    # Given an item of the area
    item = SAMPLES[area]()
    # When it is saved and read back by its key
    item.save()
    hash_key, range_key = _key_of(item)
    fetched = type(item).get(hash_key, range_key)
    # Then every attribute survives (string sets compared as sets: DynamoDB keeps no order)
    assert _comparable(fetched.serialize()) == _comparable(item.serialize())


def _comparable(serialized: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {kind: sorted(value) if kind in ("SS", "NS", "BS") else value for kind, value in typed.items()}
        for name, typed in serialized.items()
    }


def _key_of(item: StudioModel) -> tuple[Any, Any]:
    hash_name, range_name = item._hash_keyname, item._range_keyname
    assert hash_name is not None
    return getattr(item, hash_name), getattr(item, range_name) if range_name else None


def test_every_table_on_an_endpoint_shares_one_client_until_the_models_are_pointed_elsewhere(aws: None) -> None:
    # PynamoDB would make a botocore session and client per table (tens of ms each, on first use)
    clients = {id(model._get_connection().connection.client) for model in all_models()}
    assert len(clients) == 1
    assert ApiKey.count() == 0 and User.count() == 0  # the one client serves every table

    # when the models are bound again (another endpoint, other credentials), they get a new client
    before = User._get_connection().connection.client
    bind_models(SETTINGS)
    after = User._get_connection().connection.client
    assert after is not before
    assert ApiKey._get_connection().connection.client is after


def test_reads_of_several_tables_come_back_in_one_call_each_to_its_future(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    User("u1", username="ann", username_key="ann", password_hash="x").save()
    ProjectMember("p1", "u1", role=ProjectRole.EDITOR.value).save()
    for number in range(120):
        FileTree(f"tree-{number}", generation=number).save()
    calls: list[dict[str, Any]] = []
    client = User._get_connection().connection.client
    real = client.batch_get_item
    monkeypatch.setattr(client, "batch_get_item", lambda **request: calls.append(request) or real(**request))

    reads = Reads()
    user, absent = reads.get(User, "u1"), reads.get(User, "nobody")
    member = reads.get(ProjectMember, "p1", "u1", consistent_read=True)
    again = reads.get(User, "u1")  # the same key twice: read once, given to both
    trees = [reads.get(FileTree, f"tree-{number}") for number in range(120)]
    assert not user.done()  # nothing is read before `send`
    reads.send()

    assert user.result().username == "ann" and again.result().username == "ann"
    assert absent.result() is None
    assert member.result().role == ProjectRole.EDITOR.value
    assert [tree.result().generation for tree in trees] == list(range(120))
    assert len(calls) == 2  # 122 keys: 100 a call
    tables = {table: request for call in calls for table, request in call["RequestItems"].items()}
    assert tables[ProjectMember.Meta.table_name]["ConsistentRead"] is True
    assert tables[User.Meta.table_name]["ConsistentRead"] is False


def test_a_batchs_futures_come_true_in_the_order_they_were_asked_for(aws: None) -> None:
    for number in range(3):
        FileTree(f"tree-{number}", generation=number).save()
    reads, order = Reads(), []
    for number in (2, 0, 1):
        reads.get(FileTree, f"tree-{number}").add_done_callback(lambda _, number=number: order.append(number))
    reads.send()
    assert order == [2, 0, 1]


def test_a_batch_that_fails_fails_every_future_with_its_error(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads()
    user = reads.get(User, "u1")
    monkeypatch.setattr(FileTree.Meta, "table_name", "test-no-such-table")
    tree = reads.get(FileTree, "p1")
    with pytest.raises(ClientError, match="ResourceNotFound"):
        reads.send()
    for future in (user, tree):
        with pytest.raises(ClientError, match="ResourceNotFound"):
            future.result(timeout=1)


def test_new_items_of_several_tables_are_written_in_one_call_a_versioned_one_as_its_first_save_would(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = User._get_connection().connection.client
    real, calls = client.batch_write_item, []
    monkeypatch.setattr(client, "batch_write_item", lambda **request: calls.append(request) or real(**request))
    user = User("u1", username="ann", username_key="ann", password_hash="x")  # versioned
    member = ProjectMember("p1", "u1", role=ProjectRole.EDITOR.value)
    tree = FileTree("tree-1", generation=3)

    put_all(user, member, tree)

    assert len(calls) == 1 and set(calls[0]["RequestItems"]) == {
        m.Meta.table_name for m in (User, ProjectMember, FileTree)
    }
    assert (User.get("u1").username, User.get("u1").version, user.version) == ("ann", 1, 1)
    assert ProjectMember.get("p1", "u1").role == ProjectRole.EDITOR.value and FileTree.get("tree-1").generation == 3
    user.update(actions=[User.username.set("bea")])  # the version it holds is the one written: it updates
    assert User.get("u1").version == 2


def test_items_a_batch_leaves_unwritten_are_sent_again_and_a_batch_never_written_says_so(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = User._get_connection().connection.client
    real, calls = client.batch_write_item, []

    def throttled_once(**request: Any) -> dict[str, Any]:
        calls.append(request)
        if len(calls) > 1:
            return real(**request)
        table = FileTree.Meta.table_name
        later = request["RequestItems"].pop(table)
        return {**real(**request), "UnprocessedItems": {table: later}}

    monkeypatch.setattr(client, "batch_write_item", throttled_once)
    put_all(ProjectMember("p1", "u1", role=ProjectRole.EDITOR.value), FileTree("tree-1", generation=3))
    assert len(calls) == 2 and list(calls[1]["RequestItems"]) == [FileTree.Meta.table_name]
    assert FileTree.get("tree-1").generation == 3

    monkeypatch.setattr(client, "batch_write_item", lambda **request: {"UnprocessedItems": request["RequestItems"]})
    monkeypatch.setattr(db, "_UNPROCESSED_BACKOFF_SECONDS", 0.0)
    with pytest.raises(PutError, match="unwritten"):
        put_all(FileTree("tree-2", generation=1))
    with pytest.raises(ValueError, match="1 to 25"):
        put_all(*[FileTree(f"t{n}", generation=n) for n in range(26)])
