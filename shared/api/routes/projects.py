"""Projects of the caller: list, create, open, rename, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import Field

from shared import lifecycle
from shared.api.deps import CurrentUser
from shared.api.schemas import Schema
from shared.projects import service
from shared.projects.service import ProjectView

router = APIRouter(prefix="/projects", tags=["projects"])

ProjectName = Annotated[str, Field(min_length=1, max_length=service.MAX_NAME)]


class ProjectIn(Schema):
    name: ProjectName


class ProjectOut(Schema):
    id: str
    name: str
    owner_id: str
    role: str
    can_write: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: ProjectView) -> ProjectOut:
        return cls(
            id=view.project_id,
            name=view.name,
            owner_id=view.owner_id,
            role=view.role,
            can_write=view.can_write,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


@router.get("", response_model=list[ProjectOut], summary="Your projects (owned and shared)")
def list_projects(caller: CurrentUser) -> list[ProjectOut]:
    return [ProjectOut.of(view) for view in service.list_for(caller)]


@router.post("", response_model=ProjectOut, status_code=201, summary="Create a project")
def create_project(body: ProjectIn, caller: CurrentUser) -> ProjectOut:
    return ProjectOut.of(service.create(caller, body.name))


@router.get("/{project_id}", response_model=ProjectOut, summary="One project")
def get_project(project_id: str, caller: CurrentUser) -> ProjectOut:
    return ProjectOut.of(service.open_project(caller, project_id))


@router.patch("/{project_id}", response_model=ProjectOut, summary="Rename a project")
def rename_project(project_id: str, body: ProjectIn, caller: CurrentUser) -> ProjectOut:
    return ProjectOut.of(service.rename(caller, project_id, body.name))


@router.delete("/{project_id}", status_code=204, summary="Delete a project with its files and sessions")
def delete_project(project_id: str, caller: CurrentUser) -> Response:
    lifecycle.delete_project_of(caller, project_id)
    return Response(status_code=204)
