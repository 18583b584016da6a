"""Where project files and uploads live in S3, how a stored document is converted, how S3 failures are reported.

Kept free of the API's imports (and of pydantic): the ingest function uses it and its cold start stays small.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared import aws
from shared.constants import PROJECTS_PREFIX, UPLOADS_PREFIX
from shared.errors import NotFoundError, StudioError, ValidationError
from shared.files.convert import Conversion, ConversionError, convert, markdown_name
from shared.files.paths import safe_relative_path
from shared.logs import logger
from shared.settings import get_settings


class StorageError(StudioError):
    """S3 failed on our side (not the caller's mistake); the request id in the answer is in the log."""

    status = 500
    code = "storage_failed"


# The API shows it as it is (a field of shared.files.views.FileInfo); a dataclass, not a pydantic model,
# because the ingest function imports it.
@dataclass(frozen=True, slots=True)
class ConversionOutcome:
    """What converting a stored document did: its status is "converted", "failed" or "none"."""

    status: str
    path: str | None = None
    reason: str | None = None
    extracted: tuple[str, ...] = ()


NOT_CONVERTED = ConversionOutcome("none")


def files_prefix(project_id: str) -> str:
    return f"{PROJECTS_PREFIX}{project_id}/files/"


def file_key(project_id: str, path: str) -> str:
    return f"{files_prefix(project_id)}{path}"


def upload_key(project_id: str, upload_id: str, path: str) -> str:
    return f"{UPLOADS_PREFIX}{project_id}/{upload_id}/{path}"


def parse_upload_key(key: str) -> tuple[str, str, str] | None:
    """(project_id, upload_id, path) of an upload key, without validating the path."""
    if not key.startswith(UPLOADS_PREFIX):
        return None
    parts = key[len(UPLOADS_PREFIX) :].split("/", 2)
    if len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2]


def too_large_message(size: int, limit: int) -> str:
    return f"The file is {size:,} bytes; files can be at most {limit:,} bytes ({_megabytes(limit)})."


def guess_content_type(path: str) -> str:
    if path.lower().endswith(".md"):
        return "text/markdown; charset=utf-8"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def bucket() -> str:
    return get_settings().workspace_bucket


def head(s3: Any, project_id: str, path: str) -> dict[str, Any] | None:
    """S3's HEAD answer for the project's file, None when there is none."""
    try:
        return dict(s3.head_object(Bucket=bucket(), Key=file_key(project_id, path)))
    except ClientError as exc:
        if aws.error_code(exc) in aws.S3_MISSING:
            return None
        raise


def folder_exists(s3: Any, project_id: str, path: str) -> bool:
    page = s3.list_objects_v2(Bucket=bucket(), Prefix=file_key(project_id, path) + "/", MaxKeys=1)
    return bool(page.get("KeyCount"))


def not_found(path: str) -> NotFoundError:
    return NotFoundError(f"There is no file or folder {path!r} in this project.", code="file_not_found")


@contextmanager
def storage(action: str, **context: Any) -> Iterator[None]:
    """S3 failures that are not a missing object become a 500 with the request id, logged with their cause."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        logger.exception("storage failed", extra={"action": action, **context})
        raise StorageError(
            f"The storage service failed to {action}. Nothing was lost; try again, and quote the request id "
            "if it keeps failing."
        ) from exc


def convert_document(s3: Any, project_id: str, path: str, data: bytes) -> ConversionOutcome:
    """Convert a stored document within the full caps and time budget, and write the result beside it (ingest)."""
    try:
        conversion = convert(path.rpartition("/")[2], data)
    except ConversionError as exc:
        return conversion_failed(s3, project_id, path, exc.message)
    return write_conversion(s3, project_id, path, conversion)


def conversion_failed(s3: Any, project_id: str, path: str, reason: str) -> ConversionOutcome:
    """A stored document that was not converted: the original stays, the Markdown of an earlier version goes."""
    # Left in place, the earlier Markdown would pass for the current content.
    logger.warning("conversion failed; original kept", extra={"path": path, "reason": reason})
    s3.delete_object(Bucket=bucket(), Key=file_key(project_id, _markdown_path(path)))
    return ConversionOutcome("failed", reason=reason)


def write_conversion(s3: Any, project_id: str, path: str, conversion: Conversion | None) -> ConversionOutcome:
    """Write the Markdown (and extracted images) of the document at `path` beside it; the caller moves the tree on."""
    if conversion is None:
        return NOT_CONVERTED
    folder = path.rpartition("/")[0]
    base = f"{folder}/" if folder else ""
    target = _markdown_path(path)
    try:  # a name near the length limit leaves no room for ".md" or "<stem>_files/image-1.png"
        safe_relative_path(target)
        extracted = [safe_relative_path(f"{base}{item.name}") for item in conversion.extracted]
    except ValidationError as exc:
        return conversion_failed(
            s3, project_id, path, f"The Markdown version cannot be stored beside it: {exc.message}"
        )
    for item, extracted_path in zip(conversion.extracted, extracted, strict=True):
        s3.put_object(
            Bucket=bucket(), Key=file_key(project_id, extracted_path), Body=item.data, ContentType=item.content_type
        )
    s3.put_object(
        Bucket=bucket(),
        Key=file_key(project_id, target),
        Body=conversion.markdown.encode("utf-8"),
        ContentType="text/markdown; charset=utf-8",
    )
    return ConversionOutcome("converted", path=target, extracted=tuple(extracted))


def _markdown_path(path: str) -> str:
    folder, _, name = path.rpartition("/")
    return f"{folder}/{markdown_name(name)}" if folder else markdown_name(name)


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size:,} bytes"
    return f"{size / (1024 * 1024):.1f} MB"
