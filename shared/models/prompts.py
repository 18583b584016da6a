"""What shapes the system prompt: personas, guides, and the versioned CLAUDE.md of a user or project."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared.models.base import StudioModel, utcnow
from shared.models.fields import composite


class PromptScope(StrEnum):
    USER = "user"
    PROJECT = "project"


class PromptSource(StrEnum):
    """Where a CLAUDE.md version came from."""

    EDITOR = "editor"  # the rules panel (PUT /api/rules/claude-md)
    FILES = "files"  # the Files screen saved the project's root CLAUDE.md
    CLAUDE = "claude"  # Claude changed the project's root CLAUDE.md during a turn
    RESTORE = "restore"  # an old version saved again


def prompt_scope_key(scope: PromptScope, owner_id: str) -> str:
    """The prompt_versions hash key of a scope: prompt_scope_key(PROJECT, "p1") == "project#p1"."""
    return composite(scope, owner_id)


class PersonasByUserIndex(GlobalSecondaryIndex["Persona"]):
    """A user's personas, by name (the picker; the delete-user cascade)."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class Persona(StudioModel):
    """A named prompt fragment that gives Claude a role; one per user may be the default."""

    class Meta:
        logical_name = "personas"

    persona_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    prompt = UnicodeAttribute()  # appended with --append-system-prompt
    is_default = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_user = PersonasByUserIndex()


class GuidesByUserIndex(GlobalSecondaryIndex["Guide"]):
    """A user's guides, by name (the picker; the delete-user cascade)."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class Guide(StudioModel):
    """A markdown guide a user can apply to a session's system prompt."""

    class Meta:
        logical_name = "guides"

    guide_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    body = UnicodeAttribute()  # markdown
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_user = GuidesByUserIndex()


class PromptVersion(StudioModel):
    """One saved version of a CLAUDE.md; the current one is the highest version of its scope."""

    class Meta:
        logical_name = "prompt_versions"

    scope_key = UnicodeAttribute(hash_key=True)  # prompt_scope_key(...): "user#<id>" or "project#<id>"
    # Current: Query(scope_key, scan_index_forward=False, limit=1), strongly consistent. A save puts
    # version n+1 with attribute_not_exists (two concurrent saves cannot both win n+1) and, in the same
    # transaction, clears is_active on version n; a restore saves the old content as a new version.
    version = NumberAttribute(range_key=True)
    content = UnicodeAttribute()
    sha256 = UnicodeAttribute()
    is_active = BooleanAttribute(default=True)
    author_id = UnicodeAttribute()
    source = UnicodeAttribute(null=True)  # PromptSource: where the version came from (null: saved before sources)
    size = NumberAttribute(null=True)  # bytes of the content as UTF-8
    created_at = UTCDateTimeAttribute(default=utcnow)
