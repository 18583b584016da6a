"""What the API (and every domain above projects) sees of a project: views built from its rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, computed_field

from shared.models.projects import ProjectRole
from shared.schema import View

ADMIN_ROLE = "admin"  # the caller reaches the project through administrator rights only
WRITE_ROLES = frozenset({ProjectRole.OWNER.value, ProjectRole.EDITOR.value, ADMIN_ROLE})


class Project(View):
    """A project: its files live in S3 under `s3_prefix` (never shown: the id names it)."""

    project_id: str = Field(serialization_alias="id")
    name: str
    owner_id: str
    s3_prefix: str = Field(exclude=True)
    created_at: datetime
    updated_at: datetime


# The API's answer, and what `open_project` hands every domain above projects.
class ProjectView(Project):
    """A project as the caller reaches it, with their role in it."""

    role: str  # the caller's role; "admin" when only administrator rights give access

    @classmethod
    def reached_as(cls, project: Project, role: str) -> ProjectView:
        """The project as a caller with `role` reaches it."""
        return cls.model_validate({**dict(project), "role": role})

    @computed_field  # type: ignore[prop-decorator]
    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES
