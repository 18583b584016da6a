"""Ingest uploads: S3 object-created events for `uploads/<project_id>/<upload_id>/<relative path>`.

HEAD ──missing──▶ skip (a redelivered event: the object was already moved)
  ├─ unsafe key ──▶ delete it; the upload (if any) → rejected
  ├─ too large ──▶ delete it; the upload → too_large
  └─ copy to projects/<project_id>/files/<path>; the file tree moves on
       ├─ a document (.docx, .pdf, .html): Markdown beside it as <path>.md (+ extracted images)
       │    the upload → converted, or conversion_failed with the reason (the original is kept):
       │    past the caps or the time budget of `shared.files.convert`, or on the third try (see below)
       ├─ anything else: the upload → stored
       └─ delete the upload object last, so a retried event finds it and redoes every step

Each step is idempotent, and the record's transition is conditional on it being pending, so a redelivered
event or a Lambda retry changes nothing twice. An upload that has no record (posted by something other than
the SPA with a valid policy) is still stored. Uploads come from the SPA's presigned posts and from the multipart
route, which hands over the documents too large to convert inside an API request (`shared.files.multipart`).

A conversion that kills the function (out of memory, past its timeout) would be retried by Lambda until it gave
up, leaving the upload pending. So each try is counted on the upload object (a tag) before the conversion starts,
and the try after `CONVERSION_TRIES` stores the document unconverted and ends the upload conversion_failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from shared import aws
from shared.errors import ServiceUnavailableError, ValidationError
from shared.files import generations, uploads
from shared.files.convert import converter_for
from shared.files.objects import (
    conversion_failed,
    convert_document,
    file_key,
    parse_upload_key,
    too_large_message,
)
from shared.files.paths import safe_relative_path
from shared.logs import logger
from shared.models.files import UploadState
from shared.settings import get_settings

# CopyObject copies at most 5 GB in one request; above it the managed (multipart) copy is needed.
SINGLE_COPY_LIMIT_BYTES = 5 * 1024**3
# Lambda tries an S3 event three times (infra/constructs/ingest.py), the local stack too: two tries convert, the
# third stores the document as it is, so the upload always ends.
CONVERSION_TRIES = 2
TRIES_TAG = "studio-conversion-tries"
GAVE_UP = (
    f"Converting it to Markdown did not finish in {CONVERSION_TRIES} tries (it is too large or complex to "
    "convert); the original is kept."
)
_HEX_ID_LENGTH = 32


@dataclass(frozen=True)
class Outcome:
    key: str
    # stored, converted, conversion_failed, too_large, unsafe, missing, superseded, ignored or error
    result: str
    destination: str | None = None
    reason: str | None = None


@dataclass
class IngestSummary:
    outcomes: list[Outcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(Counter(o.result for o in self.outcomes)),
            "outcomes": [asdict(o) for o in self.outcomes],
        }


class IngestError(ServiceUnavailableError):
    """Some uploads hit an unexpected error; raising lets Lambda retry the whole (idempotent) event."""


def ingest_objects(
    objects: Iterable[tuple[str, str]], *, s3: Any = None, max_bytes: int | None = None
) -> IngestSummary:
    """Ingest each (bucket, decoded key); every object is tried before an unexpected error is raised."""
    s3 = s3 or aws.client("s3")
    max_bytes = max_bytes or get_settings().upload_max_bytes
    summary = IngestSummary()
    for bucket, key in objects:
        try:
            outcome = ingest_object(bucket, key, s3=s3, max_bytes=max_bytes)
        except Exception as exc:
            logger.exception("could not ingest an upload", extra={"bucket": bucket, "key": key})
            outcome = Outcome(key, "error", reason=type(exc).__name__)
        summary.outcomes.append(outcome)
    logger.info("uploads ingested", extra={"counts": summary.as_dict()["counts"]})
    failed = [o.key for o in summary.outcomes if o.result == "error"]
    if failed:
        raise IngestError(f"{len(failed)} upload(s) could not be ingested: {', '.join(failed[:10])}")
    return summary


def ingest_object(bucket: str, key: str, *, s3: Any, max_bytes: int) -> Outcome:
    """Move one upload into its project's files (converting documents), or refuse it."""
    parsed = parse_upload_key(key)
    if parsed is None or key.endswith("/"):
        return Outcome(key, "ignored", reason="not an upload (uploads/<project>/<upload>/<path>)")
    project_id, upload_id, relative = parsed
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if aws.error_code(exc) in aws.S3_MISSING:
            logger.info("upload already gone (a redelivered event?)", extra={"key": key})
            return Outcome(key, "missing")
        raise
    size, etag = int(head["ContentLength"]), head["ETag"]
    problem = _check_key(project_id, upload_id, relative)
    if problem:
        logger.warning("upload refused: unsafe key", extra={"key": key, "reason": problem})
        s3.delete_object(Bucket=bucket, Key=key)
        uploads.finish(upload_id, UploadState.REJECTED, reason=problem, size=size)
        return Outcome(key, "unsafe", reason=problem)
    if size > max_bytes:
        reason = too_large_message(size, max_bytes)
        s3.delete_object(Bucket=bucket, Key=key)
        uploads.finish(upload_id, UploadState.TOO_LARGE, reason=reason, size=size)
        logger.warning("upload refused: too large", extra={"key": key, "size": size, "limit": max_bytes})
        return Outcome(key, "too_large", reason=reason)
    try:
        outcome = _move(
            s3, bucket, key, project_id=project_id, upload_id=upload_id, relative=relative, etag=etag, size=size
        )
    except ClientError as exc:
        if aws.error_code(exc) in aws.S3_PRECONDITION_FAILED | aws.S3_MISSING:
            # Replaced or removed since the HEAD: the event of the newer object will do the work.
            logger.info("upload changed while being ingested", extra={"key": key})
            return Outcome(key, "superseded")
        raise
    logger.info("upload ingested", extra={"key": key, "destination": outcome.destination, "result": outcome.result})
    return outcome


def _check_key(project_id: str, upload_id: str, relative: str) -> str | None:
    """Why the key cannot be an upload, or None."""
    for name, value in (("project", project_id), ("upload", upload_id)):
        if len(value) != _HEX_ID_LENGTH or any(char not in "0123456789abcdef" for char in value):
            return f"The {name} id in the key is not valid."
    try:
        safe_relative_path(relative)
    except ValidationError as exc:
        return exc.message
    return None


def _move(
    s3: Any, bucket: str, key: str, *, project_id: str, upload_id: str, relative: str, etag: str, size: int
) -> Outcome:
    destination = file_key(project_id, relative)
    _copy(s3, bucket, key, destination, etag=etag, size=size)
    conversion = None
    if _may_convert(relative):
        if _count_try(s3, bucket, key) > CONVERSION_TRIES:
            conversion = conversion_failed(s3, project_id, relative, GAVE_UP)
        else:
            data = s3.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"].read()
            conversion = convert_document(s3, project_id, relative, data)
    generations.invalidate(project_id)
    if conversion is None or conversion.status == "none":
        state, result = UploadState.STORED, "stored"
    elif conversion.status == "converted":
        state, result = UploadState.CONVERTED, "converted"
    else:
        state, result = UploadState.CONVERSION_FAILED, "conversion_failed"
    uploads.finish(
        upload_id,
        state,
        size=size,
        reason=conversion.reason if conversion else None,
        converted_path=conversion.path if conversion else None,
        extracted=list(conversion.extracted) if conversion and conversion.extracted else None,
    )
    s3.delete_object(Bucket=bucket, Key=key)  # last: a retried event still finds the upload
    return Outcome(key, result, destination=destination, reason=conversion.reason if conversion else None)


def _may_convert(relative: str) -> bool:
    return converter_for(relative.rpartition("/")[2]) is not None


def _count_try(s3: Any, bucket: str, key: str) -> int:
    """This try's number at converting the upload, written on the object (a tag) before the conversion starts."""
    tags = s3.get_object_tagging(Bucket=bucket, Key=key).get("TagSet", [])
    earlier = next((tag["Value"] for tag in tags if tag["Key"] == TRIES_TAG), "0")
    number = (int(earlier) if earlier.isdigit() else 0) + 1
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": TRIES_TAG, "Value": str(number)}]})
    return number


def _copy(s3: Any, bucket: str, source: str, destination: str, *, etag: str, size: int) -> None:
    copy_source = {"Bucket": bucket, "Key": source}
    if size <= SINGLE_COPY_LIMIT_BYTES:
        # IfMatch: copy exactly the object that was checked, not one uploaded over it since.
        s3.copy_object(Bucket=bucket, Key=destination, CopySource=copy_source, CopySourceIfMatch=etag)
    else:
        s3.copy(copy_source, bucket, destination)
