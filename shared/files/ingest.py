"""Ingest uploads: S3 object-created events for `uploads/<project_id>/<relative path>`.

HEAD ──missing──▶ skip (a redelivered event: the object was already moved)
  ├─ unsafe path ──▶ log and skip
  ├─ too large ──▶ delete it, marker uploads/<project_id>/.refused/<path>.json
  └─ copy to projects/<project_id>/files/<path>
       ├─ .docx: Word → Markdown beside it as <path>.md
       │         (failure: keep the original, marker uploads/<project_id>/.conversion-failed/<path>.json)
       └─ delete the upload last, so a retried event finds it and redoes every step
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from shared import aws
from shared.constants import PROJECTS_PREFIX, UPLOADS_PREFIX
from shared.errors import ServiceUnavailableError, ValidationError
from shared.files.convert import ConversionError, docx_to_markdown
from shared.files.paths import safe_relative_path, safe_segment
from shared.logs import logger
from shared.models.base import utcnow
from shared.settings import get_settings

REFUSED_DIR = ".refused"
CONVERSION_FAILED_DIR = ".conversion-failed"
MARKER_DIRS = (REFUSED_DIR, CONVERSION_FAILED_DIR)
# CopyObject copies at most 5 GB in one request; above it the managed (multipart) copy is needed.
SINGLE_COPY_LIMIT_BYTES = 5 * 1024**3
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
_CHANGED_CODES = {"412", "PreconditionFailed"}


@dataclass(frozen=True)
class Outcome:
    key: str
    # moved, converted, conversion_failed, too_large, unsafe, missing, superseded, ignored or error
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
    """Move one upload into its project's files (converting Word documents), or refuse it."""
    located = _locate(key)
    if isinstance(located, Outcome):
        return located
    project_id, relative = located
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _code(exc) in _MISSING_CODES:
            logger.info("upload already gone (a redelivered event?)", extra={"key": key})
            return Outcome(key, "missing")
        raise
    size, etag = int(head["ContentLength"]), head["ETag"]
    if size > max_bytes:
        return _refuse_too_large(s3, bucket, key, project_id, relative, size=size, max_bytes=max_bytes)
    try:
        outcome = _move(s3, bucket, key, project_id, relative, etag=etag, size=size)
    except ClientError as exc:
        if _code(exc) in _CHANGED_CODES | _MISSING_CODES:
            # Replaced or removed since the HEAD: the event of the newer object will do the work.
            logger.info("upload changed while being ingested", extra={"key": key})
            return Outcome(key, "superseded")
        raise
    logger.info("upload ingested", extra={"key": key, "destination": outcome.destination, "result": outcome.result})
    return outcome


def _refuse_too_large(
    s3: Any, bucket: str, key: str, project_id: str, relative: str, *, size: int, max_bytes: int
) -> Outcome:
    reason = f"The file is {size} bytes; the upload limit is {max_bytes} bytes."
    s3.delete_object(Bucket=bucket, Key=key)
    _write_marker(s3, bucket, project_id, REFUSED_DIR, relative, code="too_large", reason=reason, size=size)
    logger.warning("upload refused: too large", extra={"key": key, "size": size, "limit": max_bytes})
    return Outcome(key, "too_large", reason=reason)


def _move(s3: Any, bucket: str, key: str, project_id: str, relative: str, *, etag: str, size: int) -> Outcome:
    destination = f"{PROJECTS_PREFIX}{project_id}/files/{relative}"
    _copy(s3, bucket, key, destination, etag=etag, size=size)
    _clear_marker(s3, bucket, project_id, REFUSED_DIR, relative)  # an earlier, too large upload of this path
    result, reason = "moved", None
    if relative.lower().endswith(".docx"):
        result, reason = _convert(s3, bucket, key, destination, etag=etag, project_id=project_id, relative=relative)
    s3.delete_object(Bucket=bucket, Key=key)  # last: a retried event still finds the upload
    return Outcome(key, result, destination=destination, reason=reason)


def _locate(key: str) -> tuple[str, str] | Outcome:
    """(project_id, relative path) of an upload key, or the Outcome of a key that is not one."""
    if not key.startswith(UPLOADS_PREFIX):
        return Outcome(key, "ignored", reason="not under the uploads prefix")
    project_id, _, relative = key[len(UPLOADS_PREFIX) :].partition("/")
    if relative.split("/", 1)[0] in MARKER_DIRS or key.endswith("/"):
        return Outcome(key, "ignored", reason="an ingest marker or a folder placeholder")
    try:
        safe_segment(project_id)
        safe_relative_path(relative)
    except ValidationError as exc:
        logger.warning("upload refused: unsafe key", extra={"key": key, "reason": exc.message})
        return Outcome(key, "unsafe", reason=exc.message)
    return project_id, relative


def _copy(s3: Any, bucket: str, source: str, destination: str, *, etag: str, size: int) -> None:
    copy_source = {"Bucket": bucket, "Key": source}
    if size <= SINGLE_COPY_LIMIT_BYTES:
        # IfMatch: copy exactly the object that was checked, not one uploaded over it since.
        s3.copy_object(Bucket=bucket, Key=destination, CopySource=copy_source, CopySourceIfMatch=etag)
    else:
        s3.copy(copy_source, bucket, destination)


def _convert(
    s3: Any, bucket: str, key: str, destination: str, *, etag: str, project_id: str, relative: str
) -> tuple[str, str | None]:
    """Write `<destination>.md`; on a conversion failure keep the original and leave a marker."""
    data = s3.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"].read()
    try:
        markdown = docx_to_markdown(data)
    except ConversionError as exc:
        logger.warning("Word conversion failed; original kept", extra={"key": key, "reason": exc.message})
        s3.delete_object(Bucket=bucket, Key=f"{destination}.md")  # a Markdown of an older version would mislead
        _write_marker(s3, bucket, project_id, CONVERSION_FAILED_DIR, relative, code=exc.code, reason=exc.message)
        return "conversion_failed", exc.message
    s3.put_object(
        Bucket=bucket,
        Key=f"{destination}.md",
        Body=markdown.encode("utf-8"),
        ContentType="text/markdown; charset=utf-8",
    )
    _clear_marker(s3, bucket, project_id, CONVERSION_FAILED_DIR, relative)
    return "converted", None


def _marker_key(project_id: str, directory: str, relative: str) -> str:
    return f"{UPLOADS_PREFIX}{project_id}/{directory}/{relative}.json"


def _write_marker(
    s3: Any,
    bucket: str,
    project_id: str,
    directory: str,
    relative: str,
    *,
    code: str,
    reason: str,
    size: int | None = None,
) -> None:
    """A small JSON object a UI lists to tell the user what happened to an upload."""
    body = {"path": relative, "code": code, "reason": reason, "size": size, "at": utcnow().isoformat()}
    s3.put_object(
        Bucket=bucket,
        Key=_marker_key(project_id, directory, relative),
        Body=json.dumps(body).encode("utf-8"),
        ContentType="application/json",
    )


def _clear_marker(s3: Any, bucket: str, project_id: str, directory: str, relative: str) -> None:
    s3.delete_object(Bucket=bucket, Key=_marker_key(project_id, directory, relative))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
