"""The multipart route's files (docs/files.md, "Uploading"): stored at once, documents converted inside the request
only while they are small; the larger ones are handed to the ingest function, as presigned uploads are.

    every path is checked before anything is written; then, for each file:
    not a document ──────────────────────────────────────────────▶ into the project's files      → File
    a document that `fits_inline`, with the request's budget left ──convert──▶ it + its Markdown  → File
        │    (a document that cannot be converted is kept: conversion.status "failed" and why)
        └─ past the budget ─┐
    a larger document ──────┴──▶ a pending upload record, then the bytes at uploads/<project>/<upload>/<path>
                                → Upload (pending): S3's event brings the ingest function, which converts it
                                  and ends the record; GET …/files/uploads/{uploadId} follows it there
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared import aws
from shared.errors import ConflictError
from shared.files import tree, uploads
from shared.files.convert import ConversionError, ConversionTimeoutError, convert, converter_for, fits_inline
from shared.files.objects import (
    bucket,
    conversion_failed,
    file_key,
    folder_exists,
    guess_content_type,
    storage,
    upload_key,
    write_conversion,
)
from shared.files.paths import safe_relative_path
from shared.files.schemas import UploadedFiles
from shared.files.views import FileInfo, Upload
from shared.models.files import UploadState
from shared.projects.service import ProjectView

# Of the API's 29 s, what one request may spend converting documents, all of them together. A document started
# before the budget ends may overrun it by its own conversion, which `fits_inline` keeps to a few seconds.
INLINE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Part:
    """One file of the request: where it goes in the project, its bytes, the type its sender claimed."""

    path: str
    data: bytes
    content_type: str | None = None


def store(user_id: str, project: ProjectView, parts: list[Part]) -> UploadedFiles:
    """Store every part; the documents too large to convert now come back as pending uploads."""
    paths = [safe_relative_path(part.path) for part in parts]
    s3 = aws.client("s3")
    ends = time.monotonic() + INLINE_SECONDS
    files: list[FileInfo] = []
    pending: list[Upload] = []
    try:
        for part, path in zip(parts, paths, strict=True):
            with storage("store the file", project_id=project.project_id, path=path):
                if folder_exists(s3, project.project_id, path):
                    raise ConflictError(f"There is a folder named {path!r}.", code="file_exists")
                stored = _store_now(s3, project.project_id, path, part, seconds=ends - time.monotonic())
                if stored is None:
                    pending.append(_hand_to_ingest(s3, user_id, project.project_id, path, part))
                else:
                    files.append(stored)
    finally:
        if files:  # what was stored before a failure is in the project too
            tree.invalidate(project.project_id)
    return UploadedFiles(files=files, uploads=pending)


def _store_now(s3: Any, project_id: str, path: str, part: Part, *, seconds: float) -> FileInfo | None:
    """Convert (within `seconds`) and write the file; None for a document to hand to the ingest function."""
    name = path.rpartition("/")[2]
    conversion, failure = None, None
    if converter_for(name) is not None:
        if seconds <= 0 or not fits_inline(name, part.data):
            return None
        try:
            conversion = convert(name, part.data, seconds=seconds)
        except ConversionTimeoutError:
            return None
        except ConversionError as exc:
            failure = exc.message
    content_type = part.content_type or guess_content_type(path)
    s3.put_object(Bucket=bucket(), Key=file_key(project_id, path), Body=part.data, ContentType=content_type)
    if failure:
        outcome = conversion_failed(s3, project_id, path, failure)
    else:
        outcome = write_conversion(s3, project_id, path, conversion)
    meta = s3.head_object(Bucket=bucket(), Key=file_key(project_id, path))
    return FileInfo.model_validate({**meta, "path": path, "conversion": outcome})


def _hand_to_ingest(s3: Any, user_id: str, project_id: str, path: str, part: Part) -> Upload:
    """A pending upload record, then the bytes where S3's event brings the ingest function to them."""
    content_type = part.content_type or guess_content_type(path)
    upload_id = uuid.uuid4().hex
    # The file is there at once (`size`), so only the ingest is left: the record's grace before it reads as
    # expired (15 minutes) covers the function's three tries of 2 minutes, 1 and 2 minutes apart.
    record = uploads.add_pending(
        upload_id,
        project_id=project_id,
        user_id=user_id,
        path=path,
        declared_size=len(part.data),
        size=len(part.data),
        content_type=content_type,
        post_seconds=0,
    )
    try:
        s3.put_object(
            Bucket=bucket(), Key=upload_key(project_id, upload_id, path), Body=part.data, ContentType=content_type
        )
    except (ClientError, BotoCoreError):
        uploads.finish(upload_id, UploadState.CANCELLED, reason="The file could not be stored.")
        raise
    return Upload.model_validate(record)
