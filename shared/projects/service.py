"""Create, list and rename projects, and say who may delete them; every access goes through `open_project`.

A user reaches the projects they own or are a member of; administrators reach all. The owner has a member
row too, so an access check is one GetItem. Names are unique per owner through a claim in the same
transaction as the project.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from shared.accounts.domain import Principal
from shared.constants import PROJECTS_PREFIX
from shared.db import delete_all, transaction
from shared.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from shared.models import ClaimKind, UniqueClaim, claim_key, normalize_key
from shared.models.base import utcnow
from shared.models.projects import Project, ProjectMember, ProjectRole

MAX_NAME = 100
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
WRITE_ROLES = {ProjectRole.OWNER.value, ProjectRole.EDITOR.value}


@dataclass(frozen=True, slots=True)
class ProjectView:
    project_id: str
    name: str
    owner_id: str
    role: str  # the caller's role; "admin" when only administrator rights give access
    s3_prefix: str
    created_at: datetime
    updated_at: datetime

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES or self.role == "admin"


def _view(project: Project, role: str) -> ProjectView:
    return ProjectView(
        project.project_id,
        project.name,
        project.owner_id,
        role,
        project.s3_prefix,
        project.created_at,
        project.updated_at,
    )


def _name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_NAME or _BAD_NAME.search(value) or value in (".", ".."):
        raise ValidationError(
            f"A project name is 1 to {MAX_NAME} characters, without slashes or control characters.",
            code="invalid_project_name",
        )
    return value


def _claim(owner_id: str, name: str) -> UniqueClaim:
    return UniqueClaim(claim_key(ClaimKind.PROJECT_NAME, owner_id, name), owner_id=owner_id)


def create(caller: Principal, name: str) -> ProjectView:
    name = _name(name)
    project_id = uuid.uuid4().hex
    project = Project(
        project_id,
        owner_id=caller.user_id,
        name=name,
        name_key=normalize_key(name),
        s3_prefix=f"{PROJECTS_PREFIX}{project_id}/",
    )
    member = ProjectMember(project_id, caller.user_id, role=ProjectRole.OWNER.value, added_by=caller.user_id)
    try:
        with transaction() as tx:
            tx.save(_claim(caller.user_id, name), condition=UniqueClaim.claim.does_not_exist())
            tx.save(project, condition=Project.project_id.does_not_exist())
            tx.save(member)
    except TransactWriteError as exc:
        raise ConflictError(f"You already have a project named '{name}'.", code="project_exists") from exc
    return _view(project, ProjectRole.OWNER.value)


def list_for(caller: Principal) -> list[ProjectView]:
    """The caller's projects (owned and shared), by name; one query and one batch read."""
    roles = {member.project_id: member.role for member in ProjectMember.by_user.query(caller.user_id)}
    projects = list(Project.batch_get(list(roles))) if roles else []
    return sorted((_view(p, roles[p.project_id]) for p in projects), key=lambda view: view.name.lower())


def open_project(caller: Principal, project_id: str, *, write: bool = False) -> ProjectView:
    """The project if the caller may use it (write: change it); "not found" hides others' projects."""
    missing = NotFoundError("There is no such project.", code="project_not_found")
    if not re.fullmatch(r"[0-9a-f]{32}", project_id or ""):
        raise missing
    try:
        project = Project.get(project_id, consistent_read=True)
    except DoesNotExist:
        raise missing from None
    try:
        role = ProjectMember.get(project_id, caller.user_id, consistent_read=True).role
    except DoesNotExist:
        if not caller.is_admin:
            raise missing from None
        role = "admin"
    view = _view(project, role)
    if write and not view.can_write:
        raise PermissionDeniedError("You can view this project but not change it.", code="read_only_project")
    return view


def rename(caller: Principal, project_id: str, name: str) -> ProjectView:
    view = open_project(caller, project_id, write=True)
    name = _name(name)
    project = Project.get(project_id, consistent_read=True)
    if normalize_key(name) == project.name_key:
        project.update(actions=[Project.name.set(name), Project.updated_at.set(utcnow())])
        return _view(project, view.role)
    old_claim = _claim(project.owner_id, project.name)
    project.name, project.name_key, project.updated_at = name, normalize_key(name), utcnow()
    try:
        with transaction() as tx:
            tx.save(_claim(project.owner_id, name), condition=UniqueClaim.claim.does_not_exist())
            tx.delete(old_claim)
            tx.save(project)
    except TransactWriteError as exc:
        raise ConflictError(f"The owner already has a project named '{name}'.", code="project_exists") from exc
    return _view(project, view.role)


def deletable(caller: Principal, project_id: str) -> str:
    """The project's id when the caller may delete it: its owner, or an administrator (shared.lifecycle deletes)."""
    view = open_project(caller, project_id)
    if view.role not in (ProjectRole.OWNER.value, "admin") and not caller.is_admin:
        raise PermissionDeniedError("Only the project's owner can delete it.", code="owner_only")
    return view.project_id


def owned_by(user_id: str) -> list[str]:
    """The ids of the projects a user owns."""
    return [project.project_id for project in Project.by_owner.query(user_id)]


def delete_memberships_for_user(user_id: str) -> int:
    """A user's memberships of other people's projects."""
    return delete_all(ProjectMember, ProjectMember.by_user.query(user_id))


def remove(project_id: str) -> None:
    """The project's own records: its members, its name claim and itself (the last step of its deletion)."""
    try:
        project = Project.get(project_id, consistent_read=True)
    except DoesNotExist:
        return
    delete_all(ProjectMember, ProjectMember.query(project_id))
    delete_all(UniqueClaim, [_claim(project.owner_id, project.name)])
    delete_all(Project, [project])
