"""What a caller sends about a project."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.schema import Schema

MAX_NAME = 100


class ProjectIn(Schema):
    """A new project, or a new name for one (unique per owner, whatever the case)."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
