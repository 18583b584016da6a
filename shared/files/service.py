"""Project files: save, create folders, move and delete (docs/files.md); the multipart route's storing is
`shared.files.multipart`, reading is `shared.files.reading`.

Every path goes through `safe_relative_path`; every call starts from a project the caller may use
(`shared.projects.service.open_project`). Each change lands in S3 first and moves the file tree on after.
The folders the product manages (`.claude`, `.sasha`, `.git`: skills, schedule run logs, git) are refused as what
a person deletes, renames or moves, and as where they move something; the product's own code writes there directly.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shared import aws
from shared.constants import PROJECTS_PREFIX
from shared.errors import ConflictError, PayloadTooLargeError, PermissionDeniedError, ValidationError
from shared.files import tree
from shared.files.objects import (
    NOT_CONVERTED,
    StorageError,
    bucket,
    file_key,
    folder_exists,
    guess_content_type,
    head,
    not_found,
    storage,
)
from shared.files.paths import managed_folder, safe_folder, safe_relative_path
from shared.files.schemas import Folder, Moved
from shared.files.views import FileInfo
from shared.projects.service import ProjectView
from shared.settings import get_settings

TEXT_SAVE_MAX_BYTES = 2 * 1024 * 1024
# A move or delete of a folder runs inside one API request (29 s at most): bounded.
MAX_OBJECTS_PER_CHANGE = 2_000


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
        if folder_exists(s3, project.project_id, path):
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
    return FileInfo.model_validate({**meta, "path": path, "conversion": NOT_CONVERTED})


def create_folder(project: ProjectView, path: str) -> Folder:
    path = safe_folder(path)
    if not path:
        raise ValidationError("Name the folder to create.", code="invalid_path")
    s3 = aws.client("s3")
    with storage("create the folder", project_id=project.project_id, path=path):
        if head(s3, project.project_id, path) is not None or folder_exists(s3, project.project_id, path):
            raise ConflictError(f"There is already a file or folder named {path!r}.", code="file_exists")
        s3.put_object(Bucket=bucket(), Key=file_key(project.project_id, path) + "/", Body=b"")
    tree.invalidate(project.project_id)
    return Folder(path=path)


def move(project: ProjectView, source: str, destination: str) -> Moved:
    """Rename or move a file or a folder; says how many objects moved (and echoes the paths as given)."""
    given = {"from": source, "to": destination}
    source, destination = safe_folder(source), safe_folder(destination)
    if not source or not destination:
        raise ValidationError("Name both the file to move and where it goes.", code="invalid_path")
    if source == destination:
        raise ValidationError("The new path is the same as the old one.", code="invalid_path")
    if destination.startswith(source + "/"):
        raise ValidationError("A folder cannot move into itself.", code="invalid_path")
    _refuse_managed(source, "renamed or moved")
    if managed_folder(destination):
        raise _managed(f"Files can't be moved into {managed_folder(destination)}/: Sasha Studio manages that folder.")
    s3 = aws.client("s3")
    with storage("move", project_id=project.project_id, source=source, destination=destination):
        if head(s3, project.project_id, destination) is not None or folder_exists(s3, project.project_id, destination):
            raise ConflictError(f"There is already a file or folder at {destination!r}.", code="file_exists")
        pairs = _objects_to_move(s3, project.project_id, source, destination)
        for old, new in pairs:
            s3.copy_object(Bucket=bucket(), Key=new, CopySource={"Bucket": bucket(), "Key": old})
        _delete_keys(s3, [old for old, _ in pairs])
    tree.invalidate(project.project_id)
    return Moved.model_validate({**given, "moved": len(pairs)})


def delete(project: ProjectView, path: str) -> int:
    """Delete a file, or a folder and everything in it; returns how many objects went."""
    path = safe_folder(path)
    if not path:
        raise ValidationError("Name the file or folder to delete; the project itself is deleted elsewhere.")
    _refuse_managed(path, "deleted")
    s3 = aws.client("s3")
    with storage("delete", project_id=project.project_id, path=path):
        keys = [file_key(project.project_id, path)] if head(s3, project.project_id, path) is not None else []
        keys += _keys_under(s3, project.project_id, path)
        if not keys:
            raise not_found(path)
        _delete_keys(s3, keys)
    tree.invalidate(project.project_id)
    return len(keys)


def _refuse_managed(path: str, done: str) -> None:
    """A person may not delete, rename or move what the product keeps in its own folders (the product may)."""
    folder = managed_folder(path)
    if folder is None:
        return
    if path.casefold() == folder.casefold():
        raise _managed(f"This folder is managed by Sasha Studio and can't be {done}.")
    raise _managed(f"{path} is in {folder}/, which Sasha Studio manages: it can't be {done} here.")


def _managed(message: str) -> PermissionDeniedError:
    return PermissionDeniedError(message, code="managed_folder")


def _objects_to_move(s3: Any, project_id: str, source: str, destination: str) -> list[tuple[str, str]]:
    if head(s3, project_id, source) is not None:
        return [(file_key(project_id, source), file_key(project_id, destination))]
    old_prefix, new_prefix = file_key(project_id, source) + "/", file_key(project_id, destination) + "/"
    keys = _keys_under(s3, project_id, source)
    if not keys:
        raise not_found(source)
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


def delete_for_project(project_id: str) -> int:
    """Every object under the project's prefix (its files, run logs, extracted images) and its cached tree."""
    count = aws.delete_prefix(get_settings().workspace_bucket, f"{PROJECTS_PREFIX}{project_id}/")
    tree.forget(project_id)
    return count
