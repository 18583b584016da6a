"""Create, list, open and rename projects, and say who may delete them; every access goes through `open_project`.

A user reaches the projects they own or are a member of; administrators reach all. "Not found" hides the
projects of others. The tables are `shared.projects.store`'s; the views are `shared.projects.views`'.
"""

from __future__ import annotations

import re
from concurrent.futures import Future

from shared.accounts.domain import Principal
from shared.concurrency import failed, gathered, then, together
from shared.db import Reads
from shared.errors import NotFoundError, PermissionDeniedError, ValidationError
from shared.models.projects import ProjectRole
from shared.projects import store
from shared.projects.schemas import MAX_NAME
from shared.projects.store import delete_memberships_for_user, owned_by, remove
from shared.projects.views import ADMIN_ROLE, Project, ProjectView

# What the domains above call; the lifecycle deletes through the store's functions named here.
__all__ = [
    "MAX_NAME",
    "Project",
    "ProjectView",
    "create",
    "deletable",
    "delete_memberships_for_user",
    "get",
    "list_for",
    "open_project",
    "owned_by",
    "remove",
    "rename",
    "resolve",
]

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_PROJECT_ID = re.compile(r"[0-9a-f]{32}")


def create(caller: Principal, name: str) -> ProjectView:
    return store.create(caller.user_id, _name(name))


def list_for(caller: Principal) -> list[ProjectView]:
    """The caller's projects (owned and shared), by name."""
    return sorted(store.reachable_by(caller.user_id), key=lambda view: view.name.lower())


def open_project(caller: Principal, project_id: str, *, write: bool = False) -> ProjectView:
    """The project if the caller may use it (write: change it); "not found" hides others' projects."""
    if not _PROJECT_ID.fullmatch(project_id or ""):
        raise NotFoundError("There is no such project.", code="project_not_found")
    with together() as calls:
        member = calls.soon(store.role_of, project_id, caller.user_id)  # read at once with the project
        project = store.find(project_id)
    return _opened(caller, project, member.result() if project else None, write=write)


def open_project_in(reads: Reads, caller: Principal, project_id: str, *, write: bool = False) -> Future[ProjectView]:
    """`open_project`, its project and the caller's membership read with others (shared.db.Reads)."""
    if not _PROJECT_ID.fullmatch(project_id or ""):
        return failed(NotFoundError("There is no such project.", code="project_not_found"))
    read = gathered(store.find_in(reads, project_id), store.role_in(reads, project_id, caller.user_id))
    return then(read, lambda found: _opened(caller, *found, write=write))


def _opened(caller: Principal, project: Project | None, role: str | None, *, write: bool = False) -> ProjectView:
    if role is None and project and caller.is_admin:
        role = ADMIN_ROLE
    if project is None or role is None:
        raise NotFoundError("There is no such project.", code="project_not_found")
    view = ProjectView.reached_as(project, role)
    if write and not view.can_write:
        raise PermissionDeniedError("You can view this project but not change it.", code="read_only_project")
    return view


def resolve(caller: Principal, reference: str, *, write: bool = False) -> ProjectView:
    """A project by id, or by the name of one the caller owns or belongs to (the spec's `:projectName`)."""
    if _PROJECT_ID.fullmatch(reference):
        return open_project(caller, reference, write=write)
    project_id = store.named(caller.user_id, reference.strip())
    if project_id is None:
        raise NotFoundError("There is no such project.", code="project_not_found")
    return open_project(caller, project_id, write=write)


def rename(caller: Principal, project_id: str, name: str) -> ProjectView:
    view = open_project(caller, project_id, write=True)
    renamed = store.rename(project_id, _name(name))
    return ProjectView.reached_as(renamed, view.role)


def deletable(caller: Principal, project_id: str) -> str:
    """The project's id when the caller may delete it: its owner, or an administrator (shared.lifecycle deletes)."""
    view = open_project(caller, project_id)
    if view.role not in (ProjectRole.OWNER.value, ADMIN_ROLE) and not caller.is_admin:
        raise PermissionDeniedError("Only the project's owner can delete it.", code="owner_only")
    return view.project_id


def get(project_id: str) -> Project:
    """A project by id, for a caller that already holds the right to it (the runner, for a queued job)."""
    return _found(store.find(project_id))


def get_in(reads: Reads, project_id: str) -> Future[Project]:
    """`get`, read with others (shared.db.Reads)."""
    return then(store.find_in(reads, project_id), _found)


def _found(project: Project | None) -> Project:
    if project is None:
        raise NotFoundError("There is no such project.", code="project_not_found")
    return project


def _name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_NAME or _BAD_NAME.search(value) or value in (".", ".."):
        raise ValidationError(
            f"A project name is 1 to {MAX_NAME} characters, without slashes or control characters.",
            code="invalid_project_name",
        )
    return value
