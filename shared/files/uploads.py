"""Presigned uploads: the browser posts a file straight to S3; the ingest function finishes the record.

pending ──(ingest)──▶ stored | converted | conversion_failed | too_large | rejected
   ├──(the browser gives up: S3 refused the post, or the user cancelled)──▶ cancelled
   └──(nothing arrived before the post expired)──▶ expired   (derived when read; TTL removes the record)

Every transition out of pending is an update conditional on `state = pending`, so a late ingest cannot
overwrite a cancellation and a cancel cannot hide a file that did arrive.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from shared import aws
from shared.constants import UPLOADS_PREFIX
from shared.db import condition_failed, delete_all
from shared.errors import ConflictError, NotFoundError, PayloadTooLargeError, ValidationError
from shared.files.objects import guess_content_type, storage
from shared.files.paths import safe_relative_path
from shared.models.base import utcnow
from shared.models.files import Upload, UploadState
from shared.settings import get_settings

if TYPE_CHECKING:  # the ingest function imports this module without the API's
    from shared.accounts.domain import Principal
    from shared.projects.service import ProjectView

POST_EXPIRY_SECONDS = 15 * 60
# Long enough for the browser's last status poll, short enough to keep the table small.
RECORD_TTL = timedelta(days=7)
# A post may start just before its policy expires and take a while: give it this long before calling it expired.
EXPIRY_GRACE = timedelta(minutes=15)
MAX_CONTENT_TYPE = 200
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    upload: Upload
    url: str
    fields: dict[str, str]
    max_bytes: int


def upload_key(project_id: str, upload_id: str, path: str) -> str:
    return f"{UPLOADS_PREFIX}{project_id}/{upload_id}/{path}"


def too_large_message(size: int, limit: int) -> str:
    return f"The file is {size:,} bytes; files can be at most {limit:,} bytes ({_megabytes(limit)})."


def presign(
    caller: Principal, project: ProjectView, path: str, size: int, content_type: str | None = None
) -> PresignedUpload:
    """A pending upload record and the presigned POST for it; S3 enforces the size limit."""
    path = safe_relative_path(path)
    limit = get_settings().upload_max_bytes
    if size < 0:
        raise ValidationError("The size cannot be negative.")
    if size > limit:
        raise PayloadTooLargeError(too_large_message(size, limit), code="too_large")
    content_type = (content_type or "").strip() or guess_content_type(path)
    if len(content_type) > MAX_CONTENT_TYPE or any(ord(char) < 0x20 for char in content_type):
        raise ValidationError("The content type is not valid.")
    now = utcnow()
    upload = Upload(
        uuid.uuid4().hex,
        project_id=project.project_id,
        user_id=caller.user_id,
        path=path,
        declared_size=size,
        content_type=content_type,
        state=UploadState.PENDING.value,
        post_expires_at=now + timedelta(seconds=POST_EXPIRY_SECONDS),
        created_at=now,
        updated_at=now,
        expires_at=now + RECORD_TTL,
    )
    with storage("prepare the upload", project_id=project.project_id, path=path):
        post = aws.client("s3").generate_presigned_post(
            Bucket=get_settings().workspace_bucket,
            Key=upload_key(project.project_id, upload.upload_id, path),
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 0, limit]],
            ExpiresIn=POST_EXPIRY_SECONDS,
        )
    upload.save()
    return PresignedUpload(upload, post["url"], dict(post["fields"]), limit)


def get(project: ProjectView, upload_id: str) -> Upload:
    """The upload of this project; pending past its post's expiry (and grace) reads as expired."""
    try:
        upload = Upload.get(upload_id, consistent_read=True) if len(upload_id) == 32 else None
    except DoesNotExist:
        upload = None
    if upload is None or upload.project_id != project.project_id:
        raise NotFoundError("There is no such upload in this project.", code="upload_not_found")
    if upload.state == UploadState.PENDING and utcnow() > upload.post_expires_at + EXPIRY_GRACE:
        finish(
            upload_id,
            UploadState.EXPIRED,
            reason="The file never arrived before the upload link expired.",
        )
        upload.refresh(consistent_read=True)
    return upload


def cancel(project: ProjectView, upload_id: str, reason: str | None) -> Upload:
    upload = get(project, upload_id)
    reason = (reason or "Cancelled.").strip()[:MAX_REASON] or "Cancelled."
    if not finish(upload_id, UploadState.CANCELLED, reason=reason):
        upload.refresh(consistent_read=True)
        raise ConflictError(f"The upload already ended ({upload.state}).", code="upload_finished")
    upload.refresh(consistent_read=True)
    return upload


def finish(upload_id: str, state: UploadState, **values: Any) -> bool:
    """Move a pending upload to `state` with `values`; False when it is no longer pending (or unknown)."""
    actions: list[Action] = [Upload.state.set(state.value), Upload.updated_at.set(utcnow())]
    for name, value in values.items():
        attribute = getattr(Upload, name)
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    try:
        Upload(upload_id).update(
            actions=actions,
            condition=Upload.upload_id.exists() & (Upload.state == UploadState.PENDING.value),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size:,} bytes"
    return f"{size / (1024 * 1024):.1f} MB"


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(project_id, upload_id, path) of an upload key, without validating the path."""
    if not key.startswith(UPLOADS_PREFIX):
        return None
    parts = key[len(UPLOADS_PREFIX) :].split("/", 2)
    if len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2]


def delete_for_user(user_id: str) -> int:
    return delete_all(Upload, Upload.by_user.query(user_id))
