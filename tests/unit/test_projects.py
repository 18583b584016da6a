"""Projects: a user reaches the projects they own or were given; admins reach all; names unique per owner."""

from __future__ import annotations

import pytest

from shared import aws, lifecycle
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from shared.models.projects import Project, ProjectMember, ProjectRole
from shared.projects import service
from shared.settings import Settings
from tests.support.accounts import AccountsStack


@pytest.fixture
def cloud(accounts: AccountsStack) -> Settings:
    """Every table (created once per module, emptied after each test) and the workspace bucket."""
    return accounts.settings


def principal(username: str, *, admin: bool = False) -> Principal:
    account = users.create(username, "correct horse battery", None, is_admin=admin)
    return Principal(account=account, via="token")


def test_a_new_project_belongs_to_its_creator_and_is_listed(cloud: Settings) -> None:
    alice = principal("alice")

    created = service.create(alice, "Quarterly report")

    assert created.role == ProjectRole.OWNER
    assert created.s3_prefix == f"projects/{created.project_id}/"
    assert [view.name for view in service.list_for(alice)] == ["Quarterly report"]


def test_names_are_unique_per_owner_whatever_the_case(cloud: Settings) -> None:
    alice, bob = principal("alice"), principal("bob")
    service.create(alice, "Research")

    with pytest.raises(ConflictError):
        service.create(alice, "RESEARCH")
    assert service.create(bob, "Research").owner_id == bob.user_id


@pytest.mark.parametrize("name", ["", "   ", "a/b", "back\\slash", "nul\x00", "..", "x" * 101])
def test_a_bad_name_is_refused_with_a_reason(cloud: Settings, name: str) -> None:
    with pytest.raises(ValidationError, match="project name"):
        service.create(principal("alice"), name)


def test_another_users_project_is_not_found_and_an_admin_reaches_it(cloud: Settings) -> None:
    alice, bob, admin = principal("alice"), principal("bob"), principal("root", admin=True)
    project = service.create(alice, "Private")

    with pytest.raises(NotFoundError):
        service.open_project(bob, project.project_id)
    assert service.open_project(admin, project.project_id).role == "admin"
    assert service.list_for(bob) == []


def test_a_viewer_can_open_but_not_change_a_shared_project(cloud: Settings) -> None:
    alice, bob = principal("alice"), principal("bob")
    project = service.create(alice, "Shared")
    ProjectMember(project.project_id, bob.user_id, role=ProjectRole.VIEWER.value).save()

    assert service.open_project(bob, project.project_id).role == ProjectRole.VIEWER
    assert [view.name for view in service.list_for(bob)] == ["Shared"]
    with pytest.raises(PermissionDeniedError):
        service.rename(bob, project.project_id, "Mine now")
    with pytest.raises(PermissionDeniedError):
        lifecycle.delete_project_of(bob, project.project_id)


def test_rename_moves_the_name_claim(cloud: Settings) -> None:
    alice = principal("alice")
    project = service.create(alice, "Draft")

    service.rename(alice, project.project_id, "Final")

    assert service.create(alice, "Draft").name == "Draft"  # the old name is free again
    with pytest.raises(ConflictError):
        service.create(alice, "final")


def test_delete_removes_the_project_its_files_and_its_name(cloud: Settings) -> None:
    alice = principal("alice")
    project = service.create(alice, "Temporary")
    s3 = aws.client("s3")
    s3.put_object(Bucket=cloud.workspace_bucket, Key=f"{project.s3_prefix}notes.md", Body=b"x")
    s3.put_object(Bucket=cloud.workspace_bucket, Key="projects/other/keep.md", Body=b"y")

    lifecycle.delete_project_of(alice, project.project_id)

    assert Project.count() == 0
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=cloud.workspace_bucket)["Contents"]] == [
        "projects/other/keep.md"
    ]
    assert service.create(alice, "Temporary").name == "Temporary"


@pytest.mark.parametrize("project_id", ["", "../etc", "x" * 32, "0" * 31, "A" * 32])
def test_malformed_ids_are_simply_not_found(cloud: Settings, project_id: str) -> None:
    with pytest.raises(NotFoundError):
        service.open_project(principal("alice"), project_id)
