"""What a caller sends about a project's files, and the small answers that are not a file (docs/files.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.files.paths import MAX_PATH_BYTES
from shared.files.views import FileInfo, Upload
from shared.schema import Schema

MAX_CONTENT_TYPE = 200
MAX_REASON = 500

PathField = Annotated[str, Field(min_length=1, max_length=MAX_PATH_BYTES)]


class PresignIn(Schema):
    path: PathField
    size: int = Field(ge=0, description="The file's size in bytes")
    content_type: str | None = Field(default=None, max_length=MAX_CONTENT_TYPE)


class CancelIn(Schema):
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class SaveIn(Schema):
    path: PathField
    content: str
    etag: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[\x21-\x7e]*$",  # an S3 ETag is printable ASCII; it goes into the If-Match header as it is
        description="The version you opened (409 if changed)",
    )


class FolderIn(Schema):
    path: PathField


class MoveIn(Schema):
    from_: PathField = Field(alias="from")
    to: PathField


class UploadedFiles(Schema):
    files: list[FileInfo] = Field(description="Stored now (and converted, when a document was small enough)")
    uploads: list[Upload] = Field(
        default_factory=list,
        description="Documents too large to convert within the request: stored and converted by the ingest "
        "function; follow each with GET /api/projects/{id}/files/uploads/{uploadId}",
    )


class Folder(Schema):
    path: str


class Moved(Schema):
    from_: str = Field(alias="from")
    to: str
    moved: int
