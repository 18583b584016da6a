"""Cloud drives through the REST API (workflow 9): providers and connections (administrators, signed in), WebDAV and
S3 credentials sealed, mounts with their path rules and who may change them, and the domain functions the runner and
the tick call (sync state, periodic syncs, read-only paths). OAuth is in test_drives_oauth.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from shared import aws, lifecycle
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.db import Reads
from shared.drives import mounts, remote, syncs
from shared.drives.access import DriveKind
from shared.drives.errors import ReadOnlyMountError
from shared.drives.schemas import MountPatch
from shared.files import generations
from shared.models.base import all_models, utcnow
from shared.models.cloud import CloudConnection, CloudCredential, CloudMount
from shared.models.jobs import Job
from shared.models.projects import ProjectMember, ProjectRole
from shared.settings import get_settings
from tests.support.accounts import AccountsStack, Person, Reply, call, create_key, create_user, register_first
from tests.support.aws import aws_calls, queued_messages
from tests.support.imports import loaded_after

WEBDAV_PASSWORD = "webdav-password-s3cr3t-7788"
S3_SECRET = "s3-secret-access-key-AbCdEf-4321"
CLIENT_SECRET = "oauth-client-secret-never-shown-5678"
SECRETS = (WEBDAV_PASSWORD, S3_SECRET, CLIENT_SECRET)


class Answers:
    """Every reply of a test, so that the end can check that no secret was ever answered."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self, method: str, path: str, **kwargs: Any) -> Reply:
        reply = call(method, path, **kwargs)
        self.bodies.append(json.dumps(reply.json))
        return reply

    def assert_no_secret(self, *secrets: str) -> None:
        for body in self.bodies:
            for secret in secrets:
                assert secret not in body, body


@pytest.fixture
def api(accounts: AccountsStack) -> Iterator[Answers]:
    answers = Answers()
    yield answers
    answers.assert_no_secret(*SECRETS)


def make_project(person: Person, name: str = "handbook") -> str:
    reply = call("POST", "/api/projects", json_body={"name": name}, token=person.token)
    assert reply.status == 201, reply.json
    return str(reply.json["id"])


def make_provider(admin: Person, kind: str = "webdav", **fields: Any) -> dict[str, Any]:
    defaults: dict[str, dict[str, Any]] = {
        "webdav": {"url": "https://dav.example.com/remote.php/dav/files/team"},
        "s3": {"endpoint": "https://s3.eu-central-1.amazonaws.com", "region": "eu-central-1", "bucket": "acme-docs"},
        "onedrive": {"clientId": "app-1", "clientSecret": CLIENT_SECRET},
        "gdrive": {"clientId": "app-2", "clientSecret": CLIENT_SECRET},
        "sharepoint": {
            "clientId": "app-3",
            "clientSecret": CLIENT_SECRET,
            "tenantId": "contoso.onmicrosoft.com",
            "driveId": "b!documents",
        },
    }
    body = {"providerType": kind, "displayName": f"Team {kind}", **defaults[kind], **fields}
    reply = call("POST", "/api/drives/providers", json_body=body, token=admin.token)
    assert reply.status == 201, reply.json
    return dict(reply.json)


def make_connection(admin: Person, provider_id: str, **fields: Any) -> dict[str, Any]:
    body = {"providerId": provider_id, "displayName": "Team files", **fields}
    reply = call("POST", "/api/drives/connections", json_body=body, token=admin.token)
    assert reply.status == 201, reply.json
    return dict(reply.json)


def webdav_connection(admin: Person) -> dict[str, Any]:
    provider = make_provider(admin, "webdav")
    return make_connection(admin, provider["providerId"], username="team", password=WEBDAV_PASSWORD)


def mount(person: Person, project: str, connection_id: str, path: str = "drive", **fields: Any) -> Reply:
    body = {"connectionId": connection_id, "path": path, **fields}
    return call("POST", f"/api/projects/{project}/mounts", json_body=body, token=person.token)


def stored_text() -> tuple[list[str], list[bytes]]:
    """Every string and byte string in every table (raw DynamoDB items) and every object of the bucket."""
    strings: list[str] = []
    blobs: list[bytes] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list | tuple | set):
            for inner in value:
                walk(inner)
        elif isinstance(value, str):
            strings.append(value)
        elif isinstance(value, bytes | bytearray):
            blobs.append(bytes(value))

    dynamodb = aws.client("dynamodb")
    for model in all_models():
        for page in dynamodb.get_paginator("scan").paginate(TableName=model.Meta.table_name):
            walk(page["Items"])
    s3, bucket = aws.client("s3"), get_settings().workspace_bucket
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        blobs.append(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    return strings, blobs


def assert_nowhere_in_storage(*secrets: str) -> None:
    strings, blobs = stored_text()
    assert strings, "the scan found nothing: it is not looking at the tables"
    for secret in secrets:
        assert not any(secret in text for text in strings), secret
        assert not any(secret.encode() in blob for blob in blobs), secret


# Providers


def test_an_admin_configures_providers_whose_secrets_never_come_back(api: Answers) -> None:
    admin = register_first()
    body = {"providerType": "onedrive", "displayName": "OneDrive", "clientId": "app-1", "clientSecret": CLIENT_SECRET}
    created = api("POST", "/api/drives/providers", json_body=body, token=admin.token)
    assert created.status == 201, created.json
    assert (created.json["hasClientSecret"], created.json["clientSecretHint"]) == (True, "5678")
    assert "clientSecret" not in created.json
    provider_id = created.json["providerId"]

    # A change without a secret keeps the stored one; a new secret replaces it; null clears an optional setting
    renamed = api(
        "PATCH", f"/api/drives/providers/{provider_id}", json_body={"displayName": "Files"}, token=admin.token
    )
    assert (renamed.json["displayName"], renamed.json["clientSecretHint"]) == ("Files", "5678")
    changed = api(
        "PATCH",
        f"/api/drives/providers/{provider_id}",
        json_body={"clientSecret": "another-secret-abcd", "tenantId": "contoso.com"},
        token=admin.token,
    )
    assert (changed.json["clientSecretHint"], changed.json["tenantId"]) == ("abcd", "contoso.com")
    cleared = api("PATCH", f"/api/drives/providers/{provider_id}", json_body={"tenantId": None}, token=admin.token)
    assert cleared.json["tenantId"] is None and cleared.json["hasClientSecret"]

    listed = api("GET", "/api/drives/providers", token=admin.token)
    assert [p["providerId"] for p in listed.json] == [provider_id]
    assert_nowhere_in_storage(CLIENT_SECRET, "another-secret-abcd")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"providerType": "onedrive", "displayName": "x", "clientId": "a"}, "clientSecret"),
        ({"providerType": "sharepoint", "displayName": "x", "clientId": "a", "clientSecret": "b"}, "tenantId"),
        ({"providerType": "webdav", "displayName": "x"}, "url"),
        ({"providerType": "webdav", "displayName": "x", "url": "https://d.example.com", "bucket": "b-1"}, "bucket"),
        ({"providerType": "s3", "displayName": "x", "bucket": "b-1", "clientId": "a"}, "clientId"),
        ({"providerType": "s3", "displayName": "x", "bucket": "Not A Bucket"}, "bucket"),
        ({"providerType": "dropbox", "displayName": "x"}, "providerType"),
        ({"providerType": "webdav", "displayName": "x", "url": "http://dav.example.com/files"}, "https"),
        ({"providerType": "webdav", "displayName": "x", "url": "https://u:p@dav.example.com/"}, "password"),
        ({"providerType": "webdav", "displayName": "x", "url": "http://192.168.1.5/dav"}, "https"),
        (
            {"providerType": "gdrive", "displayName": "x", "clientId": "a", "clientSecret": "b", "tokenUrl": "ftp://t"},
            "",
        ),
        ({"providerType": "onedrive", "displayName": "x", "clientId": "a", "clientSecret": "b", "tenantId": "a/b"}, ""),
    ],
)
def test_a_provider_must_fit_its_type(api: Answers, body: dict[str, Any], says: str) -> None:
    admin = register_first()
    reply = api("POST", "/api/drives/providers", json_body=body, token=admin.token)
    assert reply.status == 400, reply.json
    assert says in reply.json["error"]["message"], reply.json


def test_a_provider_in_use_is_not_deleted_until_its_connections_are(api: Answers) -> None:
    admin = register_first()
    connection = webdav_connection(admin)
    provider_id = connection["providerId"]
    refused = api("DELETE", f"/api/drives/providers/{provider_id}", token=admin.token)
    assert (refused.status, refused.code) == (409, "provider_in_use")
    assert api("DELETE", f"/api/drives/connections/{connection['connectionId']}", token=admin.token).status == 204
    assert api("DELETE", f"/api/drives/providers/{provider_id}", token=admin.token).status == 204
    gone = api("PATCH", f"/api/drives/providers/{provider_id}", json_body={"displayName": "x"}, token=admin.token)
    assert (gone.status, gone.code) == (404, "provider_not_found")


def test_providers_and_connections_are_for_signed_in_administrators(api: Answers) -> None:
    admin = register_first()
    bob = create_user(admin, "bob")
    provider = make_provider(admin)
    key = create_key(admin, scope="full")["key"]
    body = {"providerType": "s3", "displayName": "S3", "bucket": "acme-docs"}
    connection_body = {"providerId": provider["providerId"], "displayName": "x", "username": "u", "password": "p"}
    for method, path, json_body in (
        ("GET", "/api/drives/providers", None),
        ("POST", "/api/drives/providers", body),
        ("PATCH", f"/api/drives/providers/{provider['providerId']}", {"displayName": "y"}),
        ("DELETE", f"/api/drives/providers/{provider['providerId']}", None),
        ("POST", "/api/drives/connections", connection_body),
    ):
        kwargs: dict[str, Any] = {"json_body": json_body} if json_body is not None else {}
        assert api(method, path, token=bob.token, **kwargs).code == "admin_only", (method, path)
        if method != "GET":  # an administrator's API key may read, never change
            assert api(method, path, api_key=key, **kwargs).code == "session_required", (method, path)
    assert api("GET", "/api/drives/providers", api_key=key).status == 200
    # Others see their own connections: none
    assert api("GET", "/api/drives/connections", token=bob.token).json == []
    assert api("GET", "/api/drives/connections").status == 401


# Connections


def test_webdav_and_s3_connections_are_authorized_with_their_credentials_sealed(api: Answers) -> None:
    admin = register_first()
    bob = create_user(admin, "bob", is_admin=True)
    project = make_project(admin)
    webdav = webdav_connection(admin)
    assert (webdav["status"], webdav["credentialHint"], webdav["providerType"]) == ("authorized", "7788", "webdav")
    s3_provider = make_provider(bob, "s3")
    s3 = make_connection(bob, s3_provider["providerId"], accessKeyId="AKIAEXAMPLE", secretAccessKey=S3_SECRET)
    assert s3["status"] == "authorized"

    listed = api("GET", "/api/drives/connections", token=admin.token).json
    assert {(c["displayName"], c["ownerName"], c["providerName"]) for c in listed} == {
        ("Team files", "admin", "Team webdav"),
        ("Team files", "bob", "Team s3"),
    }
    assert_nowhere_in_storage(WEBDAV_PASSWORD, S3_SECRET)

    # The runner gets the secrets, opened, for a mount
    dav_mount = mount(admin, project, webdav["connectionId"], "dav").json
    s3_mount = mount(bob, project, s3["connectionId"], "bucket").json
    view, access = remote.access_for_mount(dav_mount["mountId"])
    assert (view.path, access.kind, access.url, access.username, access.password) == (
        "dav", DriveKind.WEBDAV, "https://dav.example.com/remote.php/dav/files/team", "team", WEBDAV_PASSWORD
    )  # fmt: skip
    assert WEBDAV_PASSWORD not in repr(access)
    _, access = remote.access_for_mount(s3_mount["mountId"])
    assert (access.bucket, access.region, access.access_key_id, access.secret_access_key) == (
        "acme-docs", "eu-central-1", "AKIAEXAMPLE", S3_SECRET
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "fields", "says"),
    [
        ("webdav", {"username": "u"}, "password"),
        ("webdav", {"username": "u", "password": "p", "accessKeyId": "A"}, "access_key_id"),
        ("s3", {"accessKeyId": "AKIA"}, "secret_access_key"),
        ("onedrive", {"username": "u", "password": "p"}, "OAuth"),
    ],
)
def test_a_connection_brings_the_credential_its_provider_takes(
    api: Answers, kind: str, fields: dict[str, str], says: str
) -> None:
    admin = register_first()
    provider = make_provider(admin, kind)
    body = {"providerId": provider["providerId"], "displayName": "x", **fields}
    reply = api("POST", "/api/drives/connections", json_body=body, token=admin.token)
    assert reply.status == 400 and says in reply.json["error"]["message"], reply.json
    missing = {"providerId": "0" * 32, "displayName": "x"}
    assert api("POST", "/api/drives/connections", json_body=missing, token=admin.token).code == "provider_not_found"


def test_deleting_a_connection_takes_its_credential_and_mounts(api: Answers) -> None:
    admin = register_first()
    project = make_project(admin)
    connection = webdav_connection(admin)
    made = mount(admin, project, connection["connectionId"])
    assert made.status == 201, made.json
    assert api("DELETE", f"/api/drives/connections/{connection['connectionId']}", token=admin.token).status == 204
    assert api("GET", f"/api/projects/{project}/mounts", token=admin.token).json == []
    assert list(CloudCredential.scan()) == [] and list(CloudConnection.scan()) == []
    again = api("DELETE", f"/api/drives/connections/{connection['connectionId']}", token=admin.token)
    assert (again.status, again.code) == (404, "connection_not_found")


def test_deleting_a_user_or_a_project_deletes_their_drive_records(api: Answers) -> None:
    admin = register_first()
    bob = create_user(admin, "bob", is_admin=True)
    project = make_project(admin)
    connection = webdav_connection(bob)
    assert mount(bob, project, connection["connectionId"]).status == 201
    assert api("DELETE", f"/api/projects/{project}", token=admin.token).status == 204
    assert list(CloudMount.scan()) == []
    project = make_project(admin, "second")
    assert mount(bob, project, connection["connectionId"]).status == 201
    counts = lifecycle.delete_user(bob.id)
    assert counts["cloud_connections"] == 1
    assert list(CloudMount.scan()) == [] and list(CloudCredential.scan()) == [] and list(CloudConnection.scan()) == []


# Mounts


def test_a_turn_asks_for_a_projects_mounts_only_while_it_may_have_some(
    api: Answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A chat turn reads the generation of the project's mounts with its other reads (shared.chat.turn_reads)
    admin = register_first()
    project = make_project(admin)

    def as_a_turn_reads_them() -> tuple[list[str], int]:
        reads = Reads()
        generation = generations.generation_at_in(reads, generations.mounts_key(project))
        reads.send()
        with aws_calls() as calls:
            found = mounts.mounts_for_project(project, generation)
        return [mount.path for mount in found], sum(operation == "Query" for operation, _ in calls)

    # A project without mounts is asked once
    assert as_a_turn_reads_them() == ([], 1)
    assert as_a_turn_reads_them() == ([], 0)

    # A mount made shows at the next turn; while there are mounts, they are asked for every time (their state moves)
    connection = webdav_connection(admin)
    assert mount(admin, project, connection["connectionId"]).status == 201
    assert as_a_turn_reads_them() == (["drive"], 1)
    assert as_a_turn_reads_them() == (["drive"], 1)

    # Gone with its connection: asked for while the index may not show the change yet, then no more
    assert api("DELETE", f"/api/drives/connections/{connection['connectionId']}", token=admin.token).status == 204
    assert as_a_turn_reads_them() == ([], 1)
    assert as_a_turn_reads_them() == ([], 1)
    monkeypatch.setattr(mounts, "INDEX_SETTLE_SECONDS", 0.0)
    assert as_a_turn_reads_them() == ([], 1)
    assert as_a_turn_reads_them() == ([], 0)

    # A mount made and removed moves it on too
    connection = webdav_connection(admin)
    made = mount(admin, project, connection["connectionId"])
    assert as_a_turn_reads_them() == (["drive"], 1)
    assert api("DELETE", f"/api/projects/{project}/mounts/{made.json['mountId']}", token=admin.token).status == 204
    assert as_a_turn_reads_them() == ([], 1)
    assert as_a_turn_reads_them() == ([], 0)


def test_mounts_are_created_listed_changed_synced_and_removed(api: Answers) -> None:
    admin = register_first()
    project = make_project(admin)
    connection = webdav_connection(admin)
    body = {"connectionId": connection["connectionId"], "path": "/shared/team/", "remotePath": "Documents/Team"}
    created = api("POST", f"/api/projects/{project}/mounts", json_body=body, token=admin.token)
    assert created.status == 201, created.json
    mount_id = created.json["mountId"]
    assert created.json == {
        "mountId": mount_id, "connectionId": connection["connectionId"], "connectionName": "Team files",
        "providerType": "webdav", "projectId": project, "path": "shared/team", "remotePath": "/Documents/Team",
        "accessMode": "read-only", "vfsProfile": "default", "healthStatus": "unmounted", "lastSyncAt": None,
        "lastError": None, "lastSync": None,
    }  # fmt: skip
    # Creating it queued its first sync
    jobs = [Job.get(json.loads(m["Body"])["job_id"]) for m in queued_messages(get_settings())]
    assert [(j.job_type, j.payload, j.group_id) for j in jobs] == [
        ("drive.sync", {"mount_id": mount_id, "project_id": project}, f"drive-{mount_id}")
    ]

    path = f"/api/projects/{project}/mounts/{mount_id}"
    changed = api("PATCH", path, json_body={"accessMode": "read-write", "vfsProfile": "full"}, token=admin.token)
    assert (changed.json["accessMode"], changed.json["vfsProfile"]) == ("read-write", "full")
    synced = api("POST", f"{path}/sync", token=admin.token)
    assert synced.status == 202 and synced.json["mountId"] == mount_id
    assert api("GET", f"/api/projects/{project}/mounts", token=admin.token).json == [synced.json]
    assert api("DELETE", path, token=admin.token).status == 204
    assert api("DELETE", path, token=admin.token).code == "mount_not_found"
    assert api("PATCH", path, json_body={}, token=admin.token).status == 400


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/", "invalid_path"),
        ("  ", "invalid_request"),
        (".git/drive", "invalid_path"),
        ("notes/.claude", "invalid_path"),
        ("../outside", "invalid_path"),
        ("a//b", "invalid_path"),
        ("a/%2e%2e/b", "invalid_path"),
        ("docs", "mount_overlap"),
        ("docs/inner", "mount_overlap"),
        ("Docs/Inner/deeper", "mount_overlap"),
        ("", "invalid_request"),
    ],
)
def test_a_mount_path_is_a_safe_folder_that_overlaps_no_other_mount(api: Answers, path: str, code: str) -> None:
    admin = register_first()
    project = make_project(admin)
    connection = webdav_connection(admin)
    assert mount(admin, project, connection["connectionId"], "docs/inner").status == 201
    refused = mount(admin, project, connection["connectionId"], path)
    assert refused.status in (400, 409) and refused.code == code, refused.json
    assert mount(admin, project, connection["connectionId"], "docs-other").status == 201  # a sibling is fine
    remote_refused = mount(admin, project, connection["connectionId"], "third", remotePath="a/../../etc")
    assert remote_refused.code == "invalid_path"


def test_only_project_editors_who_own_the_connection_change_mounts(api: Answers) -> None:
    admin = register_first()
    other_admin = create_user(admin, "root2", is_admin=True)
    carol = create_user(admin, "carol")
    dave = create_user(admin, "dave")
    project = make_project(carol)
    connection = webdav_connection(admin)
    mounts_path = f"/api/projects/{project}/mounts"
    # A stranger does not see the project; a viewer reads but cannot change
    assert api("GET", mounts_path, token=dave.token).code == "project_not_found"
    ProjectMember(project, dave.id, role=ProjectRole.VIEWER.value).save()
    assert api("GET", mounts_path, token=dave.token).json == []
    assert mount(dave, project, connection["connectionId"]).code == "read_only_project"
    # The project's owner is no administrator and does not own the connection
    assert mount(carol, project, connection["connectionId"]).code == "connection_not_yours"
    made = mount(admin, project, connection["connectionId"])
    assert made.status == 201
    mount_path = f"{mounts_path}/{made.json['mountId']}"
    assert api("GET", mounts_path, token=dave.token).json == [made.json]
    assert api("POST", f"{mount_path}/sync", token=dave.token).code == "read_only_project"
    assert api("DELETE", mount_path, token=carol.token).code == "connection_not_yours"
    assert api("PATCH", mount_path, json_body={"vfsProfile": "full"}, token=other_admin.token).status == 200
    # A mount id of another project is not found here
    elsewhere = make_project(admin, "elsewhere")
    assert api("DELETE", f"/api/projects/{elsewhere}/mounts/{made.json['mountId']}", token=admin.token).status == 404


def test_a_mount_needs_a_signed_in_connection(api: Answers) -> None:
    admin = register_first()
    project = make_project(admin)
    provider = make_provider(admin, "onedrive")
    pending = make_connection(admin, provider["providerId"])
    assert pending["status"] == "pending"
    assert mount(admin, project, pending["connectionId"]).code == "connection_not_authorized"
    assert mount(admin, project, "0" * 32).code == "connection_not_found"


# What the runner and the tick call


def test_a_sync_moves_health_and_records_its_summary(api: Answers) -> None:
    admin = register_first()
    project = make_project(admin)
    mount_id = mount(admin, project, webdav_connection(admin)["connectionId"]).json["mountId"]

    syncs.begin_sync(mount_id)
    assert [m.health_status for m in mounts.mounts_for_project(project)] == ["mounting"]
    syncs.report_sync(mount_id, False, reason="rclone: 401 Unauthorized")
    (degraded,) = mounts.mounts_for_project(project)
    assert (degraded.health_status, degraded.last_error, degraded.last_sync_at) == (
        "degraded", "rclone: 401 Unauthorized", None
    )  # fmt: skip
    syncs.begin_sync(mount_id)
    syncs.report_sync(mount_id, True, syncs.SyncSummary(pulled=3, pushed=1, deleted=0, conflicts=["a.docx"]))
    syncs.begin_sync(mount_id)  # a mounted mount stays mounted while it syncs again
    assert mounts.mounts_for_project(project)[0].health_status == "mounted"
    # The runner's own summary (each conflict with the copy kept and why) shows the conflicts' paths
    conflict = {"path": "a.docx", "copy": "a (drive).docx", "reason": "changed on both sides"}
    report = {"direction": "pull", "pulled": 3, "pushed": 1, "deleted": 0, "conflicts": [conflict], "bytes_pulled": 9}
    syncs.report_sync(mount_id, True, report)
    shown = api("GET", f"/api/projects/{project}/mounts", token=admin.token).json[0]
    assert (shown["healthStatus"], shown["lastError"], shown["lastSync"]) == (
        "mounted", None, {"pulled": 3, "pushed": 1, "deleted": 0, "conflicts": ["a.docx"]}
    )  # fmt: skip
    assert shown["lastSyncAt"] is not None


def test_a_report_that_meets_a_concurrent_edit_is_applied_again_on_the_new_version(api: Answers) -> None:
    admin = register_first()
    project = make_project(admin)
    mount_id = mount(admin, project, webdav_connection(admin)["connectionId"]).json["mountId"]
    edits = []

    def report_while_the_admin_edits(row: CloudMount) -> None:
        if not edits:  # between the runner's read and its write, the admin changes the profile
            edits.append(mounts.update(principal(admin), project, mount_id, MountPatch(vfs_profile="full")))
        row.health_status = "mounted"

    syncs.change(mount_id, report_while_the_admin_edits)
    row = CloudMount.get(mount_id)
    assert (row.health_status, row.vfs_profile) == ("mounted", "full")


def test_the_tick_finds_mounts_due_by_their_profile_and_queues_each_once(api: Answers) -> None:
    admin = register_first()
    project = make_project(admin)
    connection = webdav_connection(admin)["connectionId"]
    ids = {
        profile: mount(admin, project, connection, f"m-{profile}", vfsProfile=profile).json["mountId"]
        for profile in ("minimal", "default", "full")
    }
    now = utcnow()
    assert syncs.mounts_due_for_refresh(now) == []  # creating each queued its first sync
    due = {mount_id for mount_id, _ in syncs.mounts_due_for_refresh(now + timedelta(minutes=16))}
    assert due == {ids["default"], ids["full"]}
    assert {m for m, _ in syncs.mounts_due_for_refresh(now + timedelta(minutes=61))} == set(ids.values())
    assert all(p == project for _, p in syncs.mounts_due_for_refresh(now + timedelta(minutes=61)))

    later = now + timedelta(minutes=16)
    assert syncs.queue_due_syncs(later) == 2
    assert syncs.queue_due_syncs(later) == 0  # claimed: a second tick queues nothing
    assert {m for m, _ in syncs.mounts_due_for_refresh(later + timedelta(minutes=6))} == {ids["full"]}
    # A connection that lost its sign-in is not synced
    CloudConnection(connection).update(actions=[CloudConnection.status.set("error")])
    assert syncs.mounts_due_for_refresh(now + timedelta(days=1)) == []


def test_writes_into_a_read_only_mount_are_refused_with_a_clear_message(api: Answers) -> None:
    admin = register_first()
    project = make_project(admin)
    connection = webdav_connection(admin)["connectionId"]
    mount(admin, project, connection, "drive/ro")
    mount(admin, project, connection, "drive/rw", accessMode="read-write")

    assert mounts.is_read_only_path(project, "drive/ro/report.docx").path == "drive/ro"  # type: ignore[union-attr]
    assert mounts.is_read_only_path(project, "drive/ro") is not None
    assert mounts.is_read_only_path(project, "drive/rw/report.docx") is None
    assert mounts.is_read_only_path(project, "drive/robot.txt") is None
    assert mounts.is_read_only_path(project, "drive") is None  # creating the folder around it is fine
    assert mounts.is_read_only_path(project, "drive", recursive=True) is not None  # deleting it is not
    with pytest.raises(ReadOnlyMountError) as refused:
        mounts.check_writable(project, "notes.md", "drive/ro/a.md")
    assert refused.value.status == 403 and "read-only copy of the drive 'Team files'" in refused.value.message


def test_the_files_routes_refuse_writes_into_a_read_only_mount_and_allow_them_elsewhere(api: Answers) -> None:
    # Given a project with a read-only and a read-write mount
    admin = register_first()
    project = make_project(admin)
    connection = webdav_connection(admin)["connectionId"]
    mount(admin, project, connection, "drive/ro")
    mount(admin, project, connection, "drive/rw", accessMode="read-write")
    files = f"/api/projects/{project}/files"

    def as_admin(method: str, route: str, body: Any = None, **query: str) -> Reply:
        return call(method, route, json_body=body, token=admin.token, query=query or None)

    # When a person changes files in the read-only mount, by every route that writes
    refused = [
        as_admin("PUT", f"{files}/content", {"path": "drive/ro/a.md", "content": "x"}),
        as_admin("POST", f"{files}/folders", {"path": "drive/ro/new"}),
        as_admin("POST", f"{files}/move", {"from": "notes.md", "to": "drive/ro/notes.md"}),
        as_admin("POST", f"{files}/move", {"from": "drive", "to": "elsewhere"}),
        as_admin("DELETE", files, path="drive/ro/a.md"),
        as_admin("POST", f"{files}/uploads", {"path": "drive/ro/big.pdf", "size": 10}),
    ]

    # Then each is refused with the mount named, and the same writes in the read-write mount go through
    assert [(r.status, r.code) for r in refused] == [(403, "read_only_mount")] * len(refused)
    assert "read-only copy of the drive" in refused[0].json["error"]["message"]
    assert as_admin("PUT", f"{files}/content", {"path": "drive/rw/a.md", "content": "x"}).status == 200
    assert as_admin("POST", f"{files}/folders", {"path": "drive/rw/new"}).status in (200, 201)


def test_the_openapi_document_lists_the_drive_routes() -> None:
    document = call("GET", "/api/openapi.json").json
    paths = document["paths"]
    for path in (
        "/api/drives/providers", "/api/drives/providers/{provider_id}", "/api/drives/connections",
        "/api/drives/connections/{connection_id}", "/api/auth/{provider_id}/start",
        "/api/auth/{provider_id}/callback", "/api/projects/{project_id}/mounts",
        "/api/projects/{project_id}/mounts/{mount_id}", "/api/projects/{project_id}/mounts/{mount_id}/sync",
    ):  # fmt: skip
        assert path in paths, path
    assert "text/html" in paths["/api/auth/{provider_id}/callback"]["get"]["responses"]["200"]["content"]
    assert "202" in paths["/api/projects/{project_id}/mounts/{mount_id}/sync"]["post"]["responses"]


def test_the_tick_side_of_drives_loads_no_pydantic() -> None:
    assert loaded_after(["shared.drives.syncs"], ["pydantic", "fastapi"]) == []


def principal(person: Person) -> Principal:
    account = users.get(person.id)
    assert account is not None
    return Principal(account, via="token")
