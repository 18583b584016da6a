"""Skills of a project: list, read, write, delete, with the project's access rules.

Reading needs access to the project; writing, deleting and running need write access. Running a skill is
scheduling's (shared/scheduling/launch.py): it asks `runnable` here first.
"""

from __future__ import annotations

from shared.accounts.domain import Principal
from shared.errors import NotFoundError, StudioError
from shared.projects import service as projects
from shared.projects.views import ProjectView
from shared.skills import document, files
from shared.skills.document import SkillDocument
from shared.skills.files import StoredSkill
from shared.skills.views import SkillSummary, SkillView


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


def runnable(caller: Principal, project_id: str, name: str) -> ProjectView:
    """The project, if the caller may change it and its skill `name` exists (404) and parses (400)."""
    project = projects.open_project(caller, project_id, write=True)
    document.parse(_stored(project.s3_prefix, name).content, name=name)
    return project


def _stored(project_prefix: str, name: str) -> StoredSkill:
    document.check_name(name)
    stored = files.read(project_prefix, name)
    if stored is None:
        raise _missing(name)
    return stored


def _missing(name: str) -> NotFoundError:
    return NotFoundError(f"This project has no skill '{name}'.", code="skill_not_found")


def _summary(stored: StoredSkill) -> SkillSummary:
    try:
        parsed = document.parse(stored.content, name=stored.name)
    except StudioError as exc:
        return SkillSummary(
            name=stored.name,
            description="",
            kind="skill",
            step_count=0,
            updated_at=stored.updated_at,
            error=exc.message,
        )
    title = parsed.front_matter.get("title")
    return SkillSummary(
        name=parsed.name,
        title=(title.strip() or None) if isinstance(title, str) else None,
        description=parsed.description,
        kind=parsed.kind or "skill",
        step_count=len(parsed.steps),
        updated_at=stored.updated_at,
        error=None,
    )


def _view(project_id: str, stored: StoredSkill, parsed: SkillDocument | None, *, error: str | None = None) -> SkillView:
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
