"""The `uploads` table: one record per upload the ingest function processes, from pending to where it ended.

A presigned upload's record is made before the browser posts the file; a document the multipart route hands to
the ingest function gets one when the API has written it (`size` set: it has arrived, only the ingest is left).

pending ──(ingest)──▶ stored | converted | conversion_failed | too_large | rejected
   ├──(the browser gives up: S3 refused the post, or the user cancelled)──▶ cancelled
   └──(nothing arrived before the post expired, or the ingest never finished)──▶ expired
                                                        (derived when read; TTL removes the record)

Every transition out of pending is an update conditional on `state = pending`, so a late ingest cannot
overwrite a cancellation and a cancel cannot hide a file that did arrive. Light on purpose (no pydantic):
the ingest function imports it; what the API does with uploads is `shared.files.presigned`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from shared.db import condition_failed, delete_all
from shared.models.base import utcnow
from shared.models.files import Upload, UploadState

# Long enough for the browser's last status poll, short enough to keep the table small.
RECORD_TTL = timedelta(days=7)
# A post may start just before its policy expires and take a while: give it this long before calling it expired.
EXPIRY_GRACE = timedelta(minutes=15)
_UPLOAD_ID_LENGTH = 32
_EXPIRED = "The file never arrived before the upload link expired."
# The ingest function's every try failed (its dead-letter queue has the event, and the file is kept under uploads/).
_NOT_INGESTED = "The file arrived but could not be processed; upload it again, or ask an administrator."


def add_pending(
    upload_id: str,
    *,
    project_id: str,
    user_id: str,
    path: str,
    declared_size: int,
    content_type: str,
    post_seconds: int,
    size: int | None = None,
) -> Upload:
    """The record of an upload about to be written (within `post_seconds`), or already written (`size`)."""
    now = utcnow()
    upload = Upload(
        upload_id,
        project_id=project_id,
        user_id=user_id,
        path=path,
        declared_size=declared_size,
        size=size,
        content_type=content_type,
        state=UploadState.PENDING.value,
        post_expires_at=now + timedelta(seconds=post_seconds),
        created_at=now,
        updated_at=now,
        expires_at=now + RECORD_TTL,
    )
    upload.save()
    return upload


def find(project_id: str, upload_id: str) -> Upload | None:
    """The upload if it belongs to the project; pending past its post's expiry (and grace) is expired now."""
    upload = _get(upload_id)
    if upload is None or upload.project_id != project_id:
        return None
    if upload.state == UploadState.PENDING and utcnow() > upload.post_expires_at + EXPIRY_GRACE:
        finish(upload_id, UploadState.EXPIRED, reason=_EXPIRED if upload.size is None else _NOT_INGESTED)
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


def delete_for_user(user_id: str) -> int:
    return delete_all(Upload, Upload.by_user.query(user_id))


def _get(upload_id: str) -> Upload | None:
    if len(upload_id) != _UPLOAD_ID_LENGTH:
        return None
    try:
        return Upload.get(upload_id, consistent_read=True)
    except DoesNotExist:
        return None
