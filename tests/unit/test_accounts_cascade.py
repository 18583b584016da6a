"""Workflow 11, deleting a user: everything they own goes with them, and nobody else's data is touched."""

from __future__ import annotations

import uuid
from datetime import timedelta

from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from shared import aws
from shared.accounts import api_keys
from shared.models.accounts import ClaimKind, PasswordReset, UniqueClaim, User, claim_key
from shared.models.api_keys import ApiKey
from shared.models.base import utcnow
from shared.models.chat import RawExchange, Session, SessionEvent
from shared.models.connections import Connection
from shared.models.fields import normalize_key
from shared.models.projects import Project, ProjectMember, ProjectRole
from shared.realtime import connections
from shared.realtime.publisher import post_event
from tests.support.accounts import AccountsStack, Person, call, create_user, register_first
from tests.support.aws import ACCOUNT_ID


def open_connections() -> dict[str, object]:
    return apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections


def give_records(person: Person, bucket: str) -> dict[str, str]:
    """One of each kind of record a user owns: a project with a file, a chat, a key, a reset, a connection."""
    project_id, session_id, connection_id = uuid.uuid4().hex, uuid.uuid4().hex, f"conn-{person.username}"
    Project(
        project_id,
        owner_id=person.id,
        name="Plans",
        name_key=normalize_key("Plans"),
        s3_prefix=f"projects/{project_id}/",
    ).save()
    UniqueClaim(claim_key(ClaimKind.PROJECT_NAME, person.id, "Plans"), owner_id=person.id).save()
    ProjectMember(project_id, person.id, role=ProjectRole.OWNER.value).save()
    aws.client("s3").put_object(Bucket=bucket, Key=f"projects/{project_id}/notes/plan.md", Body=b"# plan")
    Session(session_id, user_id=person.id, project_id=project_id, title="chat").save()
    event = {"type": "text", "text": "hello", "seq": 1}
    SessionEvent(session_id, 1, events=[event], published_at=[0], expires_at=timedelta(days=1)).save()
    RawExchange(session_id, 1, user_id=person.id, project_id=project_id, request_text="hi").save()
    api_keys.create(person.id, "integration", None)
    PasswordReset(uuid.uuid4().hex, user_id=person.id, expires_at=utcnow() + timedelta(hours=1)).save()
    connections.remember(connection_id, user_id=person.id)
    post_event(connection_id, {"type": "hello"})  # the connection is open at API Gateway
    return {"project": project_id, "session": session_id, "connection": connection_id}


def footprint(person: Person, records: dict[str, str], bucket: str) -> dict[str, int]:
    """How many records of each kind the person still has."""
    s3 = aws.client("s3")
    return {
        "projects": len(list(Project.by_owner.query(person.id))),
        "project_claims": int(UniqueClaim.count(claim_key(ClaimKind.PROJECT_NAME, person.id, "Plans"))),
        "memberships": len(list(ProjectMember.by_user.query(person.id))),
        "files": s3.list_objects_v2(Bucket=bucket, Prefix=f"projects/{records['project']}/")["KeyCount"],
        "sessions": len(list(Session.by_user.query(person.id))),
        "session_events": len(list(SessionEvent.query(records["session"]))),
        "raw_exchanges": len(list(RawExchange.by_user.query(person.id))),
        "api_keys": len(list(ApiKey.by_user.query(person.id))),
        "password_resets": len(list(PasswordReset.by_user.query(person.id))),
        "connections": len(list(Connection.by_user.query(person.id))),
        "open_connections": int(records["connection"] in open_connections()),
        "username_claims": int(UniqueClaim.count(claim_key(ClaimKind.USERNAME, person.username))),
        "email_claims": int(UniqueClaim.count(claim_key(ClaimKind.EMAIL, person.email or "-"))),
        "users": int(User.count(person.id)),
    }


def test_deleting_a_user_deletes_everything_they_own_and_nothing_else(accounts: AccountsStack) -> None:
    # Given bob and carol, each with a project and its files, a chat, a key, a reset token and a connection
    bucket = accounts.settings.workspace_bucket
    admin = register_first()
    bob = create_user(admin, "bob", email="bob@example.com")
    carol = create_user(admin, "carol", email="carol@example.com")
    bob_records, carol_records = give_records(bob, bucket), give_records(carol, bucket)
    carol_before = footprint(carol, carol_records, bucket)
    assert set(footprint(bob, bob_records, bucket).values()) == {1}
    assert set(carol_before.values()) == {1}

    # When the admin deletes bob
    reply = call("DELETE", f"/api/admin/users/{bob.id}", token=admin.token)

    # Then nothing of bob's is left, his open connection was closed, and carol's records are all there
    assert reply.status == 204
    assert footprint(bob, bob_records, bucket) == dict.fromkeys(carol_before, 0)
    assert footprint(carol, carol_records, bucket) == carol_before
    assert call("GET", f"/api/admin/users/{bob.id}", token=admin.token).status == 404
    assert call("GET", "/api/auth/me", token=carol.token).status == 200


def test_a_deleted_users_name_and_email_can_be_used_again(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob", email="bob@example.com")
    call("DELETE", f"/api/admin/users/{bob.id}", token=admin.token)

    again = create_user(admin, "Bob", email="bob@example.com")

    assert again.id != bob.id
    assert call("GET", "/api/auth/me", token=bob.token).code == "token_revoked"


def test_a_disabled_user_can_be_deleted(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob", is_admin=True)
    call("PATCH", f"/api/admin/users/{bob.id}", json_body={"isActive": False}, token=admin.token)

    reply = call("DELETE", f"/api/admin/users/{bob.id}", token=admin.token)

    assert reply.status == 204
    assert [row.username for row in User.scan()] == ["admin"]


def test_an_admin_may_delete_another_admin_but_not_themselves_when_last(accounts: AccountsStack) -> None:
    admin = register_first()
    deputy = create_user(admin, "deputy", is_admin=True)

    assert call("DELETE", f"/api/admin/users/{admin.id}", token=deputy.token).status == 204
    last = call("DELETE", f"/api/admin/users/{deputy.id}", token=deputy.token)

    assert (last.status, last.code) == (409, "last_admin")
    assert [row.username for row in User.scan()] == ["deputy"]
