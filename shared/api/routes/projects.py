"""Projects of the caller: list, create, open, rename, delete."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared import lifecycle
from shared.api.deps import CurrentUser
from shared.projects import service
from shared.projects.schemas import ProjectIn
from shared.projects.views import ProjectView

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=list[ProjectView], summary="Your projects (owned and shared)")
def list_projects(caller: CurrentUser) -> list[ProjectView]:
    return service.list_for(caller)


@router.post("", response_model=ProjectView, status_code=201, summary="Create a project")
def create_project(body: ProjectIn, caller: CurrentUser) -> ProjectView:
    return service.create(caller, body.name)


@router.get("/{project_id}", response_model=ProjectView, summary="One project")
def get_project(project_id: str, caller: CurrentUser) -> ProjectView:
    return service.open_project(caller, project_id)


@router.patch("/{project_id}", response_model=ProjectView, summary="Rename a project")
def rename_project(project_id: str, body: ProjectIn, caller: CurrentUser) -> ProjectView:
    return service.rename(caller, project_id, body.name)


@router.delete("/{project_id}", status_code=204, summary="Delete a project with its files and sessions")
def delete_project(project_id: str, caller: CurrentUser) -> Response:
    lifecycle.delete_project_of(caller, project_id)
    return Response(status_code=204)
