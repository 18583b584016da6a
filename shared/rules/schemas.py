"""What clients send to the rules routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

from shared.models.prompts import PromptScope
from shared.schema import Schema

__all__ = ["PromptScope", "RestoreIn", "RulesTarget", "SaveIn"]

ProjectId = Annotated[str, Field(min_length=1, max_length=64)]


class RulesTarget(Schema):
    """Whose CLAUDE.md: the caller's own (`user`) or a project's (`project`, with `projectId`)."""

    scope: PromptScope
    project_id: ProjectId | None = None


class SaveIn(RulesTarget):
    content: StrictStr
    base_version: int = Field(ge=0, description="The version the editor opened (0: none saved yet)")


class RestoreIn(RulesTarget):
    version: int = Field(ge=1, description="The old version to make current again")
    base_version: int = Field(ge=0, description="The version the editor shows as current")
