"""The projects' tables: each project, its members (the owner too), and the name claim of each.

The owner has a member row, so an access check is one GetItem; a user's projects are one query on the
members' `by-user` index and one BatchGet. A name is unique per owner through a `unique_claims` item
written in the same transaction as the project, and moved in one transaction by a rename.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from concurrent.futures import Future

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from shared.concurrency import then
from shared.constants import PROJECTS_PREFIX
from shared.db import Reads, delete_all, one_attribute, transaction
from shared.errors import ConflictError
from shared.models.accounts import ClaimKind, UniqueClaim, claim_key
from shared.models.base import utcnow
from shared.models.fields import normalize_key
from shared.models.projects import Project, ProjectMember, ProjectRole
from shared.projects import views


def create(owner_id: str, name: str) -> views.ProjectView:
    """A new project owned by `owner_id`; 409 when the owner already has one of that name."""
    project_id = uuid.uuid4().hex
    project = Project(
        project_id,
        owner_id=owner_id,
        name=name,
        name_key=normalize_key(name),
        s3_prefix=f"{PROJECTS_PREFIX}{project_id}/",
    )
    member = ProjectMember(project_id, owner_id, role=ProjectRole.OWNER.value, added_by=owner_id)
    try:
        with transaction() as tx:
            tx.save(_claim(owner_id, name), condition=UniqueClaim.claim.does_not_exist())
            tx.save(project, condition=Project.project_id.does_not_exist())
            tx.save(member)
    except TransactWriteError as exc:
        raise ConflictError(f"You already have a project named '{name}'.", code="project_exists") from exc
    return _view(project, ProjectRole.OWNER.value)


def find(project_id: str) -> views.Project | None:
    try:
        return views.Project.model_validate(Project.get(project_id, consistent_read=True))
    except DoesNotExist:
        return None


def find_in(reads: Reads, project_id: str) -> Future[views.Project | None]:
    """`find`, read with others (shared.db.Reads)."""
    row = reads.get(Project, project_id, consistent_read=True)
    return then(row, lambda found: views.Project.model_validate(found) if found is not None else None)


def names(project_ids: Iterable[str]) -> dict[str, str]:
    """The name of each id that is a project (one attribute read, 100 ids a call): names for lists."""
    return {project_id: str(name) for project_id, name in one_attribute(Project, project_ids, "name").items()}


def role_in(reads: Reads, project_id: str, user_id: str) -> Future[str | None]:
    """`role_of`, read with others (shared.db.Reads)."""
    row = reads.get(ProjectMember, project_id, user_id, consistent_read=True)
    return then(row, lambda member: str(member.role) if member is not None else None)


def role_of(project_id: str, user_id: str) -> str | None:
    """The user's role in the project, None when they are not a member."""
    try:
        return str(ProjectMember.get(project_id, user_id, consistent_read=True).role)
    except DoesNotExist:
        return None


def reachable_by(user_id: str) -> list[views.ProjectView]:
    """The projects a user is a member of (owned and shared), each with their role."""
    roles = {member.project_id: member.role for member in ProjectMember.by_user.query(user_id)}
    projects = list(Project.batch_get(list(roles))) if roles else []
    return [_view(project, roles[project.project_id]) for project in projects]


def named(user_id: str, name: str) -> str | None:
    """The id of the user's own project of that name (whatever the case), else of one shared with them."""
    key = normalize_key(name)
    if not key:
        return None  # no project has an empty name (and DynamoDB refuses an empty key)
    owned = list(Project.by_owner.query(user_id, Project.name_key == key, limit=1))
    if owned:
        return str(owned[0].project_id)
    shared = [member.project_id for member in ProjectMember.by_user.query(user_id)]
    matches = [project for project in Project.batch_get(shared) if project.name_key == key] if shared else []
    return str(matches[0].project_id) if matches else None


def rename(project_id: str, name: str) -> views.Project:
    """Give the project a new name; the claim moves with it unless only the case (or spelling) changed."""
    project = Project.get(project_id, consistent_read=True)
    if normalize_key(name) == project.name_key:
        project.update(actions=[Project.name.set(name), Project.updated_at.set(utcnow())])
        return views.Project.model_validate(project)
    old_claim = _claim(project.owner_id, project.name)
    project.name, project.name_key, project.updated_at = name, normalize_key(name), utcnow()
    try:
        with transaction() as tx:
            tx.save(_claim(project.owner_id, name), condition=UniqueClaim.claim.does_not_exist())
            tx.delete(old_claim)
            tx.save(project)
    except TransactWriteError as exc:
        raise ConflictError(f"The owner already has a project named '{name}'.", code="project_exists") from exc
    return views.Project.model_validate(project)


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


def _claim(owner_id: str, name: str) -> UniqueClaim:
    return UniqueClaim(claim_key(ClaimKind.PROJECT_NAME, owner_id, name), owner_id=owner_id)


def _view(project: Project, role: str) -> views.ProjectView:
    return views.ProjectView.reached_as(views.Project.model_validate(project), role)
