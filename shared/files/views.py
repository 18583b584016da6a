"""What the API shows of a project's files, each shape written once (docs/files.md, "Shapes").

`FileInfo` and `FileContent` are read straight from S3's HEAD answer (its `ContentLength`, `ContentType`,
`LastModified`, `ETag`) plus the path; `Upload` from its row; `Tree` from the tree cache. The ingest function
never imports this module: pydantic stays out of its cold start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, Field, computed_field, field_validator, model_validator

from shared.files.objects import ConversionOutcome, guess_content_type
from shared.schema import Schema, View


class StoredFile(View):
    """A file of a project as S3 describes it: `FileInfo.model_validate({**head, "path": path})`."""

    path: str
    size: int = Field(validation_alias=AliasChoices("size", "ContentLength"))
    content_type: str = Field(validation_alias=AliasChoices("content_type", "ContentType"))
    modified_at: datetime = Field(validation_alias=AliasChoices("modified_at", "LastModified"))
    etag: str = Field(validation_alias=AliasChoices("etag", "ETag"))

    @model_validator(mode="before")
    @classmethod
    def _guess_a_missing_type(cls, data: Any) -> Any:
        """S3 answers without a content type when none was stored: the file's name says it then."""
        if isinstance(data, dict) and not (data.get("ContentType") or data.get("content_type")):
            return {**data, "content_type": guess_content_type(str(data.get("path", "")))}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


class FileInfo(StoredFile):
    """A file after it was stored or saved, with what converting it did."""

    conversion: ConversionOutcome


class FileContent(StoredFile):
    """A file opened in the viewer or editor: its text, or a download link when it is binary or large."""

    binary: bool
    encoding: str | None
    content: str | None
    download_url: str | None
    truncated: bool = False


class DownloadLink(Schema):
    url: str
    expires_at: datetime


# Built and cached by shared.files.tree.
class Tree(View):
    """A project's files and folders at one generation; every change to its files moves the generation on."""

    project_id: str
    generation: int
    file_count: int
    total_bytes: int
    root: dict[str, Any] = Field(description="{type: folder, name, path, children: [folder | file]}")
    source: str = Field(exclude=True)  # "memory", "s3" or "listing": where this read found it (logs, benchmarks)

    @property
    def etag(self) -> str:
        return f'"{self.project_id}-{self.generation}"'


class Upload(View):
    """A presigned upload's record: pending until the ingest function (or the browser) ends it."""

    upload_id: str
    path: str
    state: str
    reason: str | None
    size: int | None
    declared_size: int
    converted_path: str | None
    extracted: list[str]
    created_at: datetime
    updated_at: datetime

    @field_validator("extracted", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or []


class PresignedUpload(Schema):
    """Where the browser posts the file: the fields first, the file last, as multipart/form-data."""

    upload_id: str
    path: str
    url: str = Field(description="POST the fields, then the file last, as multipart/form-data")
    fields: dict[str, str]
    max_bytes: int
    expires_at: datetime
