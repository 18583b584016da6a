"""The S3 side of a workspace: list the prefix and move files with boto3's managed (multipart) transfers."""

from __future__ import annotations

import mimetypes
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer.subscribers import BaseSubscriber

from runner.workspace.errors import WorkspaceSyncError
from runner.workspace.local import LocalFile
from runner.workspace.manifest import Entry
from runner.workspace.plan import RemoteObject
from runner.workspace.session import Session

MB = 1024 * 1024
# Above the threshold a file moves in 16 MB parts, several at once; max_concurrency matches botocore's pool of 10.
DEFAULT_TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=16 * MB,
    multipart_chunksize=16 * MB,
    max_concurrency=10,
    preferred_transfer_client="classic",
)
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


@dataclass(frozen=True, slots=True)
class Download:
    relative: str
    target: Path
    obj: RemoteObject


@dataclass(frozen=True, slots=True)
class Upload:
    relative: str  # the local file
    local: LocalFile  # as scanned before the upload, so an edit made during it shows as a change next time
    destination: str  # where it goes under the prefix (a conflict copy's name differs)


class KnownObject(BaseSubscriber):  # type: ignore[misc]
    """Gives a download the size and ETag from the listing: no HEAD per file, and ranged GETs pinned by If-Match."""

    def __init__(self, size: int, etag: str) -> None:
        super().__init__()
        self._size = size
        self._etag = etag

    def on_queued(self, future: Any, **kwargs: Any) -> None:
        future.meta.provide_transfer_size(self._size)
        future.meta.provide_object_etag(self._etag)


@dataclass(frozen=True)
class S3Prefix:
    s3: Any
    bucket: str
    prefix: str
    config: TransferConfig

    def listing(self) -> dict[str, RemoteObject]:
        """Every object under the prefix by relative path ('folder/' markers left out: folders follow files)."""
        objects: dict[str, RemoteObject] = {}
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    relative = item["Key"][len(self.prefix) :]
                    if relative and not relative.endswith("/"):
                        objects[relative] = RemoteObject(item["Key"], item["ETag"], item["Size"])
        except (ClientError, BotoCoreError) as exc:
            raise WorkspaceSyncError(f"could not list s3://{self.bucket}/{self.prefix}: {exc}") from exc
        return objects

    def download(
        self,
        session: Session,
        downloads: list[Download],
        temp_dir: Path,
        *,
        placed: Callable[[Path], None] | None = None,
    ) -> None:
        """Fetch each object into a temp file outside the workspace, then rename it into place: never a half file."""
        if not downloads:
            return
        with create_transfer_manager(self.s3, self.config) as manager:
            started = []
            for item in downloads:
                temp = temp_dir / uuid.uuid4().hex
                known = KnownObject(item.obj.size, item.obj.etag)
                future = manager.download(self.bucket, item.obj.key, str(temp), subscribers=[known])
                started.append((item, temp, future))
            for item, temp, future in started:
                try:
                    future.result()
                    item.target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(temp, item.target)
                    if placed is not None:
                        placed(item.target)
                    info = item.target.lstat()
                except Exception as exc:  # one object's failure must not stop the others
                    temp.unlink(missing_ok=True)
                    session.failed(item.relative, exc)
                    continue
                session.manifest.record(item.relative, Entry(item.obj.etag, info.st_size, info.st_mtime_ns))
                session.report.downloaded.append(item.relative)
                session.report.downloaded_bytes += info.st_size
                session.checkpoint()

    def upload(self, session: Session, uploads: list[Upload], root: Path) -> None:
        """Upload each file; a conflict copy is then renamed locally to the name it got in S3."""
        if not uploads:
            return
        with create_transfer_manager(self.s3, self.config) as manager:
            started = []
            for item in uploads:
                content_type = mimetypes.guess_type(item.destination)[0]
                extra_args = {"ContentType": content_type} if content_type else None
                key = self.prefix + item.destination
                started.append((item, manager.upload(str(root / item.relative), self.bucket, key, extra_args)))
            for item, future in started:
                try:
                    future.result()
                    # The transfer does not return the ETag (and multipart ETags are not MD5s): ask S3.
                    etag = self.s3.head_object(Bucket=self.bucket, Key=self.prefix + item.destination)["ETag"]
                    if item.destination != item.relative:
                        os.rename(root / item.relative, root / item.destination)
                except Exception as exc:  # one file's failure must not stop the others
                    session.failed(item.relative, exc)
                    continue
                session.manifest.record(item.destination, item.local.entry(etag))
                session.report.uploaded.append(item.destination)
                session.report.uploaded_bytes += item.local.size
                session.checkpoint()

    def delete(self, session: Session, deletes: list[str]) -> None:
        """Delete the objects of files deleted locally, 1,000 per request."""
        for start in range(0, len(deletes), DELETE_BATCH):
            batch = deletes[start : start + DELETE_BATCH]
            objects = [{"Key": self.prefix + relative} for relative in batch]
            try:
                response = self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})
            except (ClientError, BotoCoreError) as exc:
                for relative in batch:
                    session.failed(relative, exc)
                continue
            errors = {error["Key"][len(self.prefix) :]: error for error in response.get("Errors", [])}
            for relative in batch:
                if relative in errors:
                    error = errors[relative]
                    session.failed(relative, RuntimeError(f"{error.get('Code')}: {error.get('Message')}"))
                    continue
                session.report.deleted_bytes += session.manifest.entries[relative].size
                session.report.deleted.append(relative)
                session.manifest.forget(relative)
