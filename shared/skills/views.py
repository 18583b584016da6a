"""Skills as the API shows them (a line of the listing, the whole skill with its file), and what a caller sends.

Both are made from the file read from S3 and, when it parses, its document; a file that does not parse is
still shown (with `error` saying why), so that it can be fixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from shared.schema import Schema, View
from shared.skills.document import MAX_SKILL_BYTES, Step


class SkillSummary(View):
    name: str
    title: str | None = Field(default=None, description="The display name (front matter 'title'), null when unset")
    description: str
    kind: str = Field(description="skill, workflow or agent-flow")
    step_count: int
    updated_at: datetime
    error: str | None = Field(description="Why SKILL.md cannot be run (null when it can)")


class SkillView(View):
    name: str
    project_id: str
    path: str = Field(description="SKILL.md relative to the project's files")
    description: str
    kind: str
    steps: list[Step]
    body: str = Field(description="The markdown after the front matter")
    content: str = Field(description="The whole SKILL.md")
    front_matter: dict[str, Any]
    updated_at: datetime
    size: int
    error: str | None  # why SKILL.md cannot be run; the content is still shown so that it can be fixed


class SkillIn(Schema):
    content: Annotated[str, Field(max_length=MAX_SKILL_BYTES, description="The whole SKILL.md: front matter, body")]
