"""Projects (a folder of files under an S3 prefix) and who may work in them."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared.models.base import StudioModel, utcnow


class ProjectRole(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class ProjectsByOwnerIndex(GlobalSecondaryIndex["Project"]):
    """The projects a user owns, by normalized name; routes that name a project resolve it here."""

    class Meta:
        index_name = "by-owner"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class Project(StudioModel):
    """A project: its files live in S3 under `s3_prefix`; the name is unique per owner by claim."""

    class Meta:
        logical_name = "projects"

    project_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    name_key = UnicodeAttribute()  # normalize_key(name); claim_key(PROJECT_NAME, owner_id, name) keeps it unique
    s3_prefix = UnicodeAttribute()  # "projects/<project_id>/": the id, not the name, so a rename moves nothing
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_owner = ProjectsByOwnerIndex()


class MembersByUserIndex(GlobalSecondaryIndex["ProjectMember"]):
    """The projects a user can open (owned and shared): one query, then BatchGet on projects."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    project_id = UnicodeAttribute(range_key=True)


class ProjectMember(StudioModel):
    """A user's role in a project; the owner has a row too, so access checks are one GetItem."""

    class Meta:
        logical_name = "project_members"

    project_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    role = UnicodeAttribute(default=ProjectRole.VIEWER.value)
    added_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)

    by_user = MembersByUserIndex()
