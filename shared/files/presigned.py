"""Presigned uploads, as the API offers them: the browser posts a file straight to S3 (docs/files.md, "Uploading").

`presign` counts the link against the caller's hourly quota (`quotas`), records a pending upload and signs the
POST (S3 enforces the size limit); the ingest function ends the record when the file arrives
(`shared.files.ingest`); `get` and `cancel` read and end it from the API.
"""

from __future__ import annotations

import uuid

from shared import aws
from shared.accounts.domain import Principal
from shared.errors import ConflictError, NotFoundError, PayloadTooLargeError, ValidationError
from shared.files import quotas, uploads
from shared.files.objects import guess_content_type, storage, too_large_message, upload_key
from shared.files.paths import safe_relative_path
from shared.files.schemas import MAX_CONTENT_TYPE, MAX_REASON
from shared.files.views import PresignedUpload, Upload
from shared.models.files import UploadState
from shared.projects.service import ProjectView
from shared.settings import get_settings

POST_EXPIRY_SECONDS = 15 * 60


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
    quotas.take_upload_link(caller.user_id)
    upload_id = uuid.uuid4().hex
    with storage("prepare the upload", project_id=project.project_id, path=path):
        post = aws.client("s3").generate_presigned_post(
            Bucket=get_settings().workspace_bucket,
            Key=upload_key(project.project_id, upload_id, path),
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 0, limit]],
            ExpiresIn=POST_EXPIRY_SECONDS,
        )
    record = uploads.add_pending(
        upload_id,
        project_id=project.project_id,
        user_id=caller.user_id,
        path=path,
        declared_size=size,
        content_type=content_type,
        post_seconds=POST_EXPIRY_SECONDS,
    )
    return PresignedUpload(
        upload_id=upload_id,
        path=path,
        url=post["url"],
        fields=dict(post["fields"]),
        max_bytes=limit,
        expires_at=record.post_expires_at,
    )


def get(project: ProjectView, upload_id: str) -> Upload:
    """The upload of this project; pending past its post's expiry (and grace) reads as expired."""
    record = uploads.find(project.project_id, upload_id)
    if record is None:
        raise NotFoundError("There is no such upload in this project.", code="upload_not_found")
    return Upload.model_validate(record)


def cancel(project: ProjectView, upload_id: str, reason: str | None) -> Upload:
    """End a pending upload as cancelled; 409 when it already ended."""
    get(project, upload_id)
    reason = (reason or "Cancelled.").strip()[:MAX_REASON] or "Cancelled."
    if not uploads.finish(upload_id, UploadState.CANCELLED, reason=reason):
        raise ConflictError(f"The upload already ended ({get(project, upload_id).state}).", code="upload_finished")
    return get(project, upload_id)
