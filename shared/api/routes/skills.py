"""Skills of a project (`?projectId=`): list, read, write SKILL.md, delete, and run one (202, runs on the runner)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from shared.api.deps import CurrentUser
from shared.scheduling import launch
from shared.scheduling.schemas import SkillRunIn
from shared.scheduling.views import RunAccepted
from shared.skills import service
from shared.skills.views import SkillIn, SkillSummary, SkillView

router = APIRouter(prefix="/skills", tags=["skills"])

ProjectId = Annotated[str, Query(alias="projectId", max_length=64, description="The project the skill belongs to")]


@router.get("", response_model=list[SkillSummary], summary="The skills of a project")
def list_skills(caller: CurrentUser, project_id: ProjectId) -> list[SkillSummary]:
    return service.list_skills(caller, project_id)


@router.get("/{name}", response_model=SkillView, summary="One skill: front matter, body and the whole file")
def get_skill(name: str, caller: CurrentUser, project_id: ProjectId) -> SkillView:
    return service.get_skill(caller, project_id, name)


@router.put("/{name}", response_model=SkillView, summary="Create or replace a skill's SKILL.md (201 when new)")
def put_skill(name: str, body: SkillIn, caller: CurrentUser, project_id: ProjectId, response: Response) -> SkillView:
    view, created = service.save_skill(caller, project_id, name, body.content)
    response.status_code = 201 if created else 200
    return view


@router.delete("/{name}", status_code=204, summary="Delete a skill's folder")
def delete_skill(name: str, caller: CurrentUser, project_id: ProjectId) -> Response:
    service.delete_skill(caller, project_id, name)
    return Response(status_code=204)


@router.post("/{name}/run", response_model=RunAccepted, status_code=202, summary="Run a skill now")
def run_skill(name: str, body: SkillRunIn, caller: CurrentUser) -> RunAccepted:
    return launch.run_skill(caller, body.project_id, name, timeout_seconds=body.timeout_seconds)
