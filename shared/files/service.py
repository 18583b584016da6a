"""Project files: store, convert, read, edit, create folders, move and delete (docs/files.md).

Every path goes through `safe_relative_path`; every call starts from a project the caller may use
(`shared.projects.service.open_project`). Each change lands in S3 first and moves the file tree on after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from shared import aws
from shared.accounts.domain import Principal
from shared.constants import PROJECTS_PREFIX
from shared.errors import ConflictError, NotFoundError, PayloadTooLargeError, ValidationError
from shared.files import tree
from shared.files.objects import (
    NOT_CONVERTED,
    ConversionOutcome,
    StorageError,
    bucket,
    convert_document,
    file_key,
    guess_content_type,
    storage,
)
from shared.files.paths import safe_folder, safe_relative_path
from shared.models.base import utcnow
from shared.models.fields import normalize_key
from shared.models.projects import Project, ProjectMember
from shared.projects.service import ProjectView, open_project
from shared.settings import get_settings

# Text shown in the viewer and editor; bigger files are downloaded instead.
TEXT_READ_MAX_BYTES = 2 * 1024 * 1024
TEXT_SAVE_MAX_BYTES = 2 * 1024 * 1024
# A move or delete of a folder runs inside one API request (29 s at most): bounded.
MAX_OBJECTS_PER_CHANGE = 2_000
DOWNLOAD_URL_SECONDS = 5 * 60
WESTERN_DEFAULT = "cp1252"
WESTERN_MARGIN = 0.2  # of charset-normalizer's "chaos" (0: reads cleanly, 1: noise)
_HEX_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class FileInfo:
    path: str
    size: int
    content_type: str
    modified_at: datetime
    etag: str
    conversion: ConversionOutcome = field(default=NOT_CONVERTED)

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


@dataclass(frozen=True, slots=True)
class FileContent:
    info: FileInfo
    binary: bool
    encoding: str | None
    content: str | None
    download_url: str | None


@dataclass(frozen=True, slots=True)
class DownloadLink:
    url: str
    expires_at: datetime


# Projects ---------------------------------------------------------------------------------------------------------


def resolve_project(caller: Principal, reference: str, *, write: bool = False) -> ProjectView:
    """A project by id, or by the name of one the caller owns or belongs to (the spec's `:projectName`)."""
    if _HEX_ID.fullmatch(reference):
        return open_project(caller, reference, write=write)
    # The caller's own project of that name (one Query on the owner's index), else a shared one.
    key = normalize_key(reference.strip())
    owned = list(Project.by_owner.query(caller.user_id, Project.name_key == key, limit=1))
    if owned:
        return open_project(caller, owned[0].project_id, write=write)
    shared = [member.project_id for member in ProjectMember.by_user.query(caller.user_id)]
    matches = [project for project in Project.batch_get(shared) if project.name_key == key] if shared else []
    if not matches:
        raise NotFoundError("There is no such project.", code="project_not_found")
    return open_project(caller, matches[0].project_id, write=write)


def head(project_id: str, path: str, *, s3: Any = None) -> dict[str, Any] | None:
    s3 = s3 or aws.client("s3")
    try:
        return dict(s3.head_object(Bucket=bucket(), Key=file_key(project_id, path)))
    except ClientError as exc:
        if aws.error_code(exc) in aws.S3_MISSING:
            return None
        raise


def _folder_exists(s3: Any, project_id: str, path: str) -> bool:
    page = s3.list_objects_v2(Bucket=bucket(), Prefix=file_key(project_id, path) + "/", MaxKeys=1)
    return bool(page.get("KeyCount"))


def _info(path: str, meta: dict[str, Any], conversion: ConversionOutcome = NOT_CONVERTED) -> FileInfo:
    return FileInfo(
        path=path,
        size=int(meta.get("ContentLength", meta.get("Size", 0))),
        content_type=str(meta.get("ContentType") or guess_content_type(path)),
        modified_at=meta["LastModified"],
        etag=str(meta.get("ETag", "")),
        conversion=conversion,
    )


# Storing and converting ---------------------------------------------------------------------------------------------


def store(project: ProjectView, path: str, data: bytes, *, content_type: str | None = None) -> FileInfo:
    """Write one file (the multipart route), convert it when it is a document, and move the tree on."""
    path = safe_relative_path(path)
    s3 = aws.client("s3")
    with storage("store the file", project_id=project.project_id, path=path):
        if _folder_exists(s3, project.project_id, path):
            raise ConflictError(f"There is a folder named {path!r}.", code="file_exists")
        s3.put_object(
            Bucket=bucket(),
            Key=file_key(project.project_id, path),
            Body=data,
            ContentType=content_type or guess_content_type(path),
        )
        conversion = convert_document(s3, project.project_id, path, data)
        meta = s3.head_object(Bucket=bucket(), Key=file_key(project.project_id, path))
    tree.invalidate(project.project_id)
    return _info(path, meta, conversion)


# Reading ------------------------------------------------------------------------------------------------------------


def read_content(project: ProjectView, path: str) -> FileContent:
    """Text (its encoding detected) for the viewer and editor; binary or large files get a download link."""
    path = safe_relative_path(path)
    s3 = aws.client("s3")
    with storage("read the file", project_id=project.project_id, path=path):
        meta = head(project.project_id, path, s3=s3)
        if meta is None:
            raise _not_found(path)
        info = _info(path, meta)
        if info.size > TEXT_READ_MAX_BYTES:
            return FileContent(info, True, None, None, download_link(project, path).url)
        data = s3.get_object(Bucket=bucket(), Key=file_key(project.project_id, path))["Body"].read()
    decoded = decode_text(data)
    if decoded is None:
        return FileContent(info, True, None, None, download_link(project, path).url)
    encoding, text = decoded
    return FileContent(info, False, encoding, text, None)


def decode_text(data: bytes) -> tuple[str, str] | None:
    """(encoding, text) when `data` reads as text, None when it looks binary."""
    if not data:
        return "utf-8", ""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        return None
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.encoding is None:
        return None
    # Short Western text fits several single-byte code pages about equally; Windows-1252 is what such files
    # almost always are, so it wins unless another reads clearly better.
    for match in matches:
        if match.encoding == WESTERN_DEFAULT and match.chaos <= best.chaos + WESTERN_MARGIN:
            best = match
            break
    return str(best.encoding), str(best)


def download_link(project: ProjectView, path: str, *, inline: bool = False) -> DownloadLink:
    """A presigned GET for the file (an attachment unless `inline`), valid for a few minutes."""
    path = safe_relative_path(path)
    s3 = aws.client("s3")
    with storage("prepare the download", project_id=project.project_id, path=path):
        if head(project.project_id, path, s3=s3) is None:
            raise _not_found(path)
        name = path.rpartition("/")[2]
        params: dict[str, Any] = {"Bucket": bucket(), "Key": file_key(project.project_id, path)}
        if inline:
            params["ResponseContentType"] = guess_content_type(path)
            params["ResponseContentDisposition"] = "inline"
        else:
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=DOWNLOAD_URL_SECONDS)
    return DownloadLink(url, utcnow() + timedelta(seconds=DOWNLOAD_URL_SECONDS))


# Changing -----------------------------------------------------------------------------------------------------------


def save_text(project: ProjectView, path: str, content: str, *, etag: str | None = None) -> FileInfo:
    """Save edited text as UTF-8; with `etag`, only over the version the editor opened (else 409)."""
    path = safe_relative_path(path)
    data = content.encode("utf-8")
    if len(data) > TEXT_SAVE_MAX_BYTES:
        raise PayloadTooLargeError(
            f"The text is larger than {TEXT_SAVE_MAX_BYTES // (1024 * 1024)} MB; upload the file instead.",
            code="too_large",
        )
    s3 = aws.client("s3")
    params: dict[str, Any] = {
        "Bucket": bucket(),
        "Key": file_key(project.project_id, path),
        "Body": data,
        "ContentType": _text_type(path),
    }
    if etag:
        params["IfMatch"] = etag if etag.startswith('"') else f'"{etag}"'
    with storage("save the file", project_id=project.project_id, path=path):
        if _folder_exists(s3, project.project_id, path):
            raise ConflictError(f"There is a folder named {path!r}.", code="file_exists")
        try:
            s3.put_object(**params)
        except ClientError as exc:
            if etag and aws.error_code(exc) in aws.S3_PRECONDITION_FAILED | aws.S3_MISSING:
                raise ConflictError(
                    f"{path} changed since you opened it. Reload it to see the other change before saving.",
                    code="file_changed",
                ) from exc
            raise
        meta = s3.head_object(Bucket=bucket(), Key=file_key(project.project_id, path))
    tree.invalidate(project.project_id)
    return _info(path, meta)


def create_folder(project: ProjectView, path: str) -> str:
    path = safe_folder(path)
    if not path:
        raise ValidationError("Name the folder to create.", code="invalid_path")
    s3 = aws.client("s3")
    with storage("create the folder", project_id=project.project_id, path=path):
        if head(project.project_id, path, s3=s3) is not None or _folder_exists(s3, project.project_id, path):
            raise ConflictError(f"There is already a file or folder named {path!r}.", code="file_exists")
        s3.put_object(Bucket=bucket(), Key=file_key(project.project_id, path) + "/", Body=b"")
    tree.invalidate(project.project_id)
    return path


def move(project: ProjectView, source: str, destination: str) -> int:
    """Rename or move a file or a folder; returns how many objects moved."""
    source, destination = safe_folder(source), safe_folder(destination)
    if not source or not destination:
        raise ValidationError("Name both the file to move and where it goes.", code="invalid_path")
    if source == destination:
        raise ValidationError("The new path is the same as the old one.", code="invalid_path")
    if destination.startswith(source + "/"):
        raise ValidationError("A folder cannot move into itself.", code="invalid_path")
    s3 = aws.client("s3")
    with storage("move", project_id=project.project_id, source=source, destination=destination):
        if head(project.project_id, destination, s3=s3) is not None or _folder_exists(
            s3, project.project_id, destination
        ):
            raise ConflictError(f"There is already a file or folder at {destination!r}.", code="file_exists")
        pairs = _objects_to_move(s3, project.project_id, source, destination)
        for old, new in pairs:
            s3.copy_object(Bucket=bucket(), Key=new, CopySource={"Bucket": bucket(), "Key": old})
        _delete_keys(s3, [old for old, _ in pairs])
    tree.invalidate(project.project_id)
    return len(pairs)


def delete(project: ProjectView, path: str) -> int:
    """Delete a file, or a folder and everything in it; returns how many objects went."""
    path = safe_folder(path)
    if not path:
        raise ValidationError("Name the file or folder to delete; the project itself is deleted elsewhere.")
    s3 = aws.client("s3")
    with storage("delete", project_id=project.project_id, path=path):
        keys = [file_key(project.project_id, path)] if head(project.project_id, path, s3=s3) is not None else []
        keys += _keys_under(s3, project.project_id, path)
        if not keys:
            raise _not_found(path)
        _delete_keys(s3, keys)
    tree.invalidate(project.project_id)
    return len(keys)


def _objects_to_move(s3: Any, project_id: str, source: str, destination: str) -> list[tuple[str, str]]:
    if head(project_id, source, s3=s3) is not None:
        return [(file_key(project_id, source), file_key(project_id, destination))]
    old_prefix, new_prefix = file_key(project_id, source) + "/", file_key(project_id, destination) + "/"
    keys = _keys_under(s3, project_id, source)
    if not keys:
        raise _not_found(source)
    for key in keys:  # every new path must be valid (and fit in an S3 key) before anything moves
        rest = key[len(old_prefix) :].rstrip("/")
        safe_relative_path(f"{destination}/{rest}" if rest else destination)
    return [(key, new_prefix + key[len(old_prefix) :]) for key in keys]


def _keys_under(s3: Any, project_id: str, folder: str) -> list[str]:
    prefix = file_key(project_id, folder) + "/"
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
        if len(keys) > MAX_OBJECTS_PER_CHANGE:
            raise ValidationError(
                f"{folder!r} holds more than {MAX_OBJECTS_PER_CHANGE} files; move or delete its subfolders one by one.",
                code="too_many_files",
            )
    return keys


def _delete_keys(s3: Any, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        answer = s3.delete_objects(Bucket=bucket(), Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            failed = ", ".join(error.get("Key", "?") for error in answer["Errors"][:5])
            raise StorageError(f"Some files could not be deleted ({failed}); try again.")


def _text_type(path: str) -> str:
    kind = guess_content_type(path)
    if kind.startswith("text/") and "charset" not in kind:
        return f"{kind}; charset=utf-8"
    return kind if kind != "application/octet-stream" else "text/plain; charset=utf-8"


def _not_found(path: str) -> NotFoundError:
    return NotFoundError(f"There is no file or folder {path!r} in this project.", code="file_not_found")


def delete_for_project(project_id: str) -> int:
    """Every object under the project's prefix (its files, run logs, extracted images) and its cached tree."""
    count = aws.delete_prefix(get_settings().workspace_bucket, f"{PROJECTS_PREFIX}{project_id}/")
    tree.forget(project_id)
    return count
