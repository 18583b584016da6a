"""Skills of a project (`?projectId=`): list, read, write SKILL.md, delete, and run one (202, runs on the runner)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from shared.api.deps import CurrentUser
from shared.api.routes.schedules import RunAccepted
from shared.api.schemas import Schema
from shared.scheduling.store import MAX_TIMEOUT_SECONDS
from shared.skills import service
from shared.skills.document import MAX_SKILL_BYTES
from shared.skills.service import SkillSummary, SkillView

router = APIRouter(prefix="/skills", tags=["skills"])

ProjectId = Annotated[str, Query(alias="projectId", max_length=64, description="The project the skill belongs to")]


class StepOut(Schema):
    name: str
    prompt: str


class SkillSummaryOut(Schema):
    name: str
    description: str
    kind: str = Field(description="skill, workflow or agent-flow")
    step_count: int
    updated_at: datetime
    error: str | None = Field(description="Why SKILL.md cannot be run (null when it can)")

    @classmethod
    def of(cls, summary: SkillSummary) -> SkillSummaryOut:
        return cls(
            name=summary.name,
            description=summary.description,
            kind=summary.kind,
            step_count=summary.step_count,
            updated_at=summary.updated_at,
            error=summary.error,
        )


class SkillOut(Schema):
    name: str
    project_id: str
    path: str = Field(description="SKILL.md relative to the project's files")
    description: str
    kind: str
    steps: list[StepOut]
    body: str = Field(description="The markdown after the front matter")
    content: str = Field(description="The whole SKILL.md")
    front_matter: dict[str, Any]
    updated_at: datetime
    size: int
    error: str | None

    @classmethod
    def of(cls, view: SkillView) -> SkillOut:
        return cls(
            name=view.name,
            project_id=view.project_id,
            path=view.path,
            description=view.description,
            kind=view.kind,
            steps=[StepOut(name=step.name, prompt=step.prompt) for step in view.steps],
            body=view.body,
            content=view.content,
            front_matter=view.front_matter,
            updated_at=view.updated_at,
            size=view.size,
            error=view.error,
        )


class SkillIn(Schema):
    content: Annotated[str, Field(max_length=MAX_SKILL_BYTES, description="The whole SKILL.md: front matter, body")]


class SkillRunIn(Schema):
    project_id: Annotated[str, Field(max_length=64)]
    timeout_seconds: Annotated[int | None, Field(default=None, ge=1, le=MAX_TIMEOUT_SECONDS)] = Field(
        default=None, description="This run's timeout; by default the skill schedule's (300 s unless changed)"
    )


@router.get("", response_model=list[SkillSummaryOut], summary="The skills of a project")
def list_skills(caller: CurrentUser, project_id: ProjectId) -> list[SkillSummaryOut]:
    return [SkillSummaryOut.of(summary) for summary in service.list_skills(caller, project_id)]


@router.get("/{name}", response_model=SkillOut, summary="One skill: front matter, body and the whole file")
def get_skill(name: str, caller: CurrentUser, project_id: ProjectId) -> SkillOut:
    return SkillOut.of(service.get_skill(caller, project_id, name))


@router.put("/{name}", response_model=SkillOut, summary="Create or replace a skill's SKILL.md (201 when new)")
def put_skill(name: str, body: SkillIn, caller: CurrentUser, project_id: ProjectId, response: Response) -> SkillOut:
    view, created = service.save_skill(caller, project_id, name, body.content)
    response.status_code = 201 if created else 200
    return SkillOut.of(view)


@router.delete("/{name}", status_code=204, summary="Delete a skill's folder")
def delete_skill(name: str, caller: CurrentUser, project_id: ProjectId) -> Response:
    service.delete_skill(caller, project_id, name)
    return Response(status_code=204)


@router.post("/{name}/run", response_model=RunAccepted, status_code=202, summary="Run a skill now")
def run_skill(name: str, body: SkillRunIn, caller: CurrentUser) -> RunAccepted:
    run = service.run_skill(caller, body.project_id, name, timeout_seconds=body.timeout_seconds)
    return RunAccepted.of(run)
