"""Skills of a project: list, read, write, delete (project access rules apply), and run one by hand.

Reading needs access to the project; writing, deleting and running need write access. A run creates the
caller's on-demand schedule for the skill on first use (it collects the skill's run history), then an
execution and a "skill.run" job; the runner does the rest (runner/jobs/runs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.accounts.domain import Principal
from shared.errors import NotFoundError, StudioError
from shared.models.base import utcnow
from shared.projects import service as projects
from shared.scheduling import runs, store
from shared.scheduling.runs import RunStarted
from shared.skills import document
from shared.skills import store as files
from shared.skills.document import SkillDocument


@dataclass(frozen=True, slots=True)
class SkillSummary:
    name: str
    description: str
    kind: str  # "skill", "workflow" or "agent-flow"
    step_count: int
    updated_at: datetime
    error: str | None  # why SKILL.md cannot be run, when it cannot (written by hand, outside the API)


@dataclass(frozen=True, slots=True)
class SkillView:
    name: str
    project_id: str
    path: str
    description: str
    kind: str
    steps: list[document.Step]
    body: str
    content: str
    front_matter: dict[str, Any]
    updated_at: datetime
    size: int
    error: str | None  # why SKILL.md cannot be run; the content is still shown so that it can be fixed


def list_skills(caller: Principal, project_id: str) -> list[SkillSummary]:
    project = projects.open_project(caller, project_id)
    stored = files.read_many(project.s3_prefix, files.list_names(project.s3_prefix))
    return [_summary(skill) for skill in stored]


def get_skill(caller: Principal, project_id: str, name: str) -> SkillView:
    project = projects.open_project(caller, project_id)
    stored = _stored(project.s3_prefix, name)
    try:
        parsed = document.parse(stored.content, name=name)
    except StudioError as exc:
        return _view(project.project_id, stored, None, error=exc.message)
    return _view(project.project_id, stored, parsed)


def save_skill(caller: Principal, project_id: str, name: str, content: str) -> tuple[SkillView, bool]:
    """Validate and write SKILL.md; True when the skill is new."""
    project = projects.open_project(caller, project_id, write=True)
    parsed = document.parse(content, name=name)
    created = not files.exists(project.s3_prefix, name)
    stored = files.write(project.s3_prefix, name, content)
    return _view(project.project_id, stored, parsed), created


def delete_skill(caller: Principal, project_id: str, name: str) -> None:
    """Delete the skill's folder; its on-demand schedule and history stay until deleted themselves."""
    project = projects.open_project(caller, project_id, write=True)
    document.check_name(name)
    if not files.delete(project.s3_prefix, name):
        raise _missing(name)


def run_skill(
    caller: Principal, project_id: str, name: str, *, timeout_seconds: int | None = None, now: datetime | None = None
) -> RunStarted:
    """Check the skill, then start a run of it (202: the runner reports through the execution)."""
    project = projects.open_project(caller, project_id, write=True)
    document.parse(_stored(project.s3_prefix, name).content, name=name)  # a broken skill is refused now, not later
    if timeout_seconds is not None:
        store.check_timeout(timeout_seconds)
    now = now or utcnow()
    schedule = store.ensure_on_demand(user_id=caller.user_id, project_id=project.project_id, skill_name=name, now=now)
    return runs.run_skill(schedule, caller, now=now, timeout_seconds=timeout_seconds)


def _stored(project_prefix: str, name: str) -> files.StoredSkill:
    document.check_name(name)
    stored = files.read(project_prefix, name)
    if stored is None:
        raise _missing(name)
    return stored


def _missing(name: str) -> NotFoundError:
    return NotFoundError(f"This project has no skill '{name}'.", code="skill_not_found")


def _summary(stored: files.StoredSkill) -> SkillSummary:
    try:
        parsed = document.parse(stored.content, name=stored.name)
    except StudioError as exc:
        return SkillSummary(stored.name, "", "skill", 0, stored.updated_at, exc.message)
    return SkillSummary(
        parsed.name, parsed.description, parsed.kind or "skill", len(parsed.steps), stored.updated_at, None
    )


def _view(
    project_id: str, stored: files.StoredSkill, parsed: SkillDocument | None, *, error: str | None = None
) -> SkillView:
    return SkillView(
        name=stored.name,
        project_id=project_id,
        path=files.relative_path(stored.name),
        description=parsed.description if parsed else "",
        kind=(parsed.kind or "skill") if parsed else "skill",
        steps=list(parsed.steps) if parsed else [],
        body=parsed.body if parsed else "",
        content=stored.content,
        front_matter=parsed.front_matter if parsed else {},
        updated_at=stored.updated_at,
        size=stored.size,
        error=error,
    )
