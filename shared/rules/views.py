"""What the API shows of CLAUDE.md versions: the document, the history, a diff."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.schema import View


class RulesDocument(View):
    """One scope's CLAUDE.md at one version (version 0, empty content: nothing saved yet)."""

    scope: Literal["user", "project"]
    project_id: str | None
    version: int
    content: str
    sha256: str | None
    author_id: str | None
    author_name: str | None
    created_at: datetime | None
    source: str | None  # "editor" | "files" | "claude" | "restore"
    can_edit: bool
    max_bytes: int


class SavedRules(RulesDocument):
    """The current document after a save; `changed` is false when the content was already the current one."""

    changed: bool


class VersionSummary(View):
    version: int
    sha256: str
    author_id: str
    author_name: str | None
    created_at: datetime
    is_active: bool
    bytes: int
    source: str | None


class VersionPage(View):
    """Newest first; pass `next` as `before` for the next page (null: no more)."""

    versions: list[VersionSummary]
    next: int | None


class DiffLine(View):
    kind: Literal["equal", "insert", "delete"]
    old: int | None  # line number in the `from` version (1-based)
    new: int | None  # line number in the `to` version
    text: str


class RulesDiff(View):
    from_version: int = Field(alias="from")
    to_version: int = Field(alias="to")
    unified: str
    lines: list[DiffLine]
