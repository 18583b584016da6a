"""Uploads that go straight to S3, and the generation counter behind each project's file-tree cache."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared.models.base import StudioModel, utcnow


class UploadState(StrEnum):
    PENDING = "pending"  # the browser is posting the file to S3, or the ingest function has yet to take it
    STORED = "stored"  # in the project's files, nothing to convert
    CONVERTED = "converted"  # stored, and a Markdown version written beside it
    CONVERSION_FAILED = "conversion_failed"  # stored as is; `reason` says why it could not be converted
    TOO_LARGE = "too_large"  # bigger than the limit: refused and deleted
    REJECTED = "rejected"  # the object did not match the upload (unsafe key)
    CANCELLED = "cancelled"  # the browser gave up (S3 refused the post, or the user cancelled)
    EXPIRED = "expired"  # never arrived before the presigned post expired (derived when read)


TERMINAL_UPLOAD_STATES = frozenset(UploadState) - {UploadState.PENDING}


class UploadsByUserIndex(GlobalSecondaryIndex["Upload"]):
    """A user's uploads, oldest first (the account cascade deletes them)."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Upload(StudioModel):
    """One presigned upload: created pending by the API, brought to a terminal state by the ingest function.

    The S3 key is `uploads/<project_id>/<upload_id>/<path>`, so the ingest function finds this record from
    the key alone. A pending upload whose post expired reads as expired; TTL removes the record later.
    """

    class Meta:
        logical_name = "uploads"

    upload_id = UnicodeAttribute(hash_key=True)
    project_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    path = UnicodeAttribute()  # where the file lands, relative to the project's files
    declared_size = NumberAttribute()
    content_type = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default=UploadState.PENDING.value)
    reason = UnicodeAttribute(null=True)  # why it was refused, cancelled or not converted
    size = NumberAttribute(null=True)  # what actually arrived
    converted_path = UnicodeAttribute(null=True)
    extracted = ListAttribute(of=UnicodeAttribute, null=True)  # images taken out of a document
    post_expires_at = UTCDateTimeAttribute()  # after this S3 refuses the presigned post
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    expires_at = TTLAttribute(null=True)  # housekeeping only

    by_user = UploadsByUserIndex()


class FileTree(StudioModel):
    """A project's file-tree generation: every change to its files adds one, which invalidates cached trees."""

    class Meta:
        logical_name = "file_trees"

    project_id = UnicodeAttribute(hash_key=True)
    generation = NumberAttribute(default=0)
    changed_at = UTCDateTimeAttribute(default=utcnow)
