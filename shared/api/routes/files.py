"""Project files (docs/files.md): uploads (multipart and presigned), the tree, reading, editing and moving."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from starlette.datastructures import UploadFile

from shared.api.deps import CurrentUser
from shared.api.schemas import Schema
from shared.errors import PayloadTooLargeError, ValidationError
from shared.files import service, tree, uploads
from shared.files.objects import ConversionOutcome
from shared.files.paths import MAX_PATH_BYTES, safe_folder
from shared.models.files import Upload
from shared.settings import get_settings

router = APIRouter(tags=["files"])

PathQuery = Annotated[str, Query(min_length=1, max_length=MAX_PATH_BYTES, description="Relative to the project")]
PathField = Annotated[str, Field(min_length=1, max_length=MAX_PATH_BYTES)]
MAX_FILES_PER_REQUEST = 20
_UPLOAD_ROUTE = "POST /api/projects/{id}/files/uploads"


class ConversionOut(Schema):
    status: str = Field(description="converted, failed or none")
    path: str | None = None
    reason: str | None = None
    extracted: list[str] = []

    @classmethod
    def of(cls, outcome: ConversionOutcome) -> ConversionOut:
        return cls(status=outcome.status, path=outcome.path, reason=outcome.reason, extracted=list(outcome.extracted))


class FileOut(Schema):
    path: str
    name: str
    size: int
    content_type: str
    modified_at: datetime
    etag: str
    conversion: ConversionOut

    @classmethod
    def of(cls, info: service.FileInfo) -> FileOut:
        return cls(
            path=info.path,
            name=info.name,
            size=info.size,
            content_type=info.content_type,
            modified_at=info.modified_at,
            etag=info.etag,
            conversion=ConversionOut.of(info.conversion),
        )


class UploadedFiles(Schema):
    files: list[FileOut]


class PresignIn(Schema):
    path: PathField
    size: int = Field(ge=0, description="The file's size in bytes")
    content_type: str | None = Field(default=None, max_length=uploads.MAX_CONTENT_TYPE)


class PresignOut(Schema):
    upload_id: str
    path: str
    url: str = Field(description="POST the fields, then the file last, as multipart/form-data")
    fields: dict[str, str]
    max_bytes: int
    expires_at: datetime


class UploadOut(Schema):
    upload_id: str
    path: str
    state: str
    reason: str | None
    size: int | None
    declared_size: int
    converted_path: str | None
    extracted: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, upload: Upload) -> UploadOut:
        return cls(
            upload_id=upload.upload_id,
            path=upload.path,
            state=upload.state,
            reason=upload.reason,
            size=int(upload.size) if upload.size is not None else None,
            declared_size=int(upload.declared_size),
            converted_path=upload.converted_path,
            extracted=[str(item) for item in upload.extracted or []],
            created_at=upload.created_at,
            updated_at=upload.updated_at,
        )


class CancelIn(Schema):
    reason: str | None = Field(default=None, max_length=uploads.MAX_REASON)


class TreeOut(Schema):
    project_id: str
    generation: int
    file_count: int
    total_bytes: int
    root: dict[str, Any] = Field(description="{type: folder, name, path, children: [folder | file]}")


class FileContentOut(Schema):
    path: str
    name: str
    size: int
    modified_at: datetime
    etag: str
    content_type: str
    binary: bool
    encoding: str | None
    content: str | None
    download_url: str | None
    truncated: bool = False


class SaveIn(Schema):
    path: PathField
    content: str
    etag: str | None = Field(default=None, max_length=200, description="The version you opened (409 if changed)")


class LinkOut(Schema):
    url: str
    expires_at: datetime


class FolderIn(Schema):
    path: PathField


class FolderOut(Schema):
    path: str


class MoveIn(Schema):
    from_: PathField = Field(alias="from")
    to: PathField


class MoveOut(Schema):
    from_: str = Field(alias="from")
    to: str
    moved: int


_MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "folder": {"type": "string", "description": "Target folder (default: the project's root)"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/files/{projectName}/upload-documents",
    response_model=UploadedFiles,
    status_code=201,
    summary="Upload small files (multipart/form-data); documents are converted to Markdown",
    openapi_extra=_MULTIPART_BODY,
)
async def upload_documents(projectName: str, request: Request, caller: CurrentUser) -> UploadedFiles:  # noqa: N803
    project = service.resolve_project(caller, projectName, write=True)
    limit = get_settings().direct_upload_max_bytes
    body = await request.body()  # the whole body is already in memory (API Gateway → Lambda)
    if len(body) > limit:
        raise PayloadTooLargeError(
            f"This route takes at most {limit // (1024 * 1024)} MB per request; upload larger files with a "
            f"presigned upload ({_UPLOAD_ROUTE}), up to {get_settings().upload_max_bytes // (1024 * 1024)} MB.",
            code="too_large",
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError("Send the files as multipart/form-data, in parts named 'files'.")
    try:
        form = await request.form(max_files=MAX_FILES_PER_REQUEST, max_fields=10)
    except Exception as exc:  # python-multipart's parse errors, Starlette's limits
        raise ValidationError(f"The multipart body could not be read: {exc}") from exc
    try:
        folder = form.get("folder")
        base = safe_folder(folder if isinstance(folder, str) else "")
        parts = [part for part in form.getlist("files") if isinstance(part, UploadFile)]
        if not parts:
            raise ValidationError("Attach at least one file in a part named 'files'.")
        stored = []
        for part in parts:
            if not part.filename:
                raise ValidationError("Every file part needs a file name.", code="invalid_path")
            path = f"{base}/{part.filename}" if base else part.filename
            data = await part.read()
            stored.append(service.store(project, path, data, content_type=part.content_type or None))
    finally:
        await form.close()
    return UploadedFiles(files=[FileOut.of(info) for info in stored])


@router.post(
    "/projects/{project_id}/files/uploads",
    response_model=PresignOut,
    status_code=201,
    summary="Start a presigned upload: POST the file straight to S3 (up to the upload limit)",
)
def start_upload(project_id: str, body: PresignIn, caller: CurrentUser) -> PresignOut:
    project = service.resolve_project(caller, project_id, write=True)
    presigned = uploads.presign(caller, project, body.path, body.size, body.content_type)
    return PresignOut(
        upload_id=presigned.upload.upload_id,
        path=presigned.upload.path,
        url=presigned.url,
        fields=presigned.fields,
        max_bytes=presigned.max_bytes,
        expires_at=presigned.upload.post_expires_at,
    )


@router.get(
    "/projects/{project_id}/files/uploads/{upload_id}",
    response_model=UploadOut,
    summary="An upload's state (pending until the file arrived and was processed)",
)
def get_upload(project_id: str, upload_id: str, caller: CurrentUser) -> UploadOut:
    project = service.resolve_project(caller, project_id)
    return UploadOut.of(uploads.get(project, upload_id))


@router.post(
    "/projects/{project_id}/files/uploads/{upload_id}/cancel",
    response_model=UploadOut,
    summary="Give up a pending upload (S3 refused it, or the user cancelled)",
)
def cancel_upload(project_id: str, upload_id: str, caller: CurrentUser, body: CancelIn | None = None) -> UploadOut:
    project = service.resolve_project(caller, project_id, write=True)
    return UploadOut.of(uploads.cancel(project, upload_id, body.reason if body else None))


@router.get(
    "/projects/{project_id}/files/tree",
    response_model=TreeOut,
    summary="The project's files and folders (cached; ETag / If-None-Match)",
    responses={304: {"description": "The tree has not changed since the ETag you sent"}},
)
def get_tree(project_id: str, request: Request, response: Response, caller: CurrentUser) -> Any:
    project = service.resolve_project(caller, project_id)
    current = tree.read(project.project_id)
    headers = {"ETag": current.etag, "Cache-Control": "private, no-cache"}
    if current.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return TreeOut(
        project_id=current.project_id,
        generation=current.generation,
        file_count=current.file_count,
        total_bytes=current.total_bytes,
        root=current.root,
    )


@router.get("/projects/{project_id}/files/content", response_model=FileContentOut, summary="Read a file")
def read_file(project_id: str, path: PathQuery, caller: CurrentUser) -> FileContentOut:
    project = service.resolve_project(caller, project_id)
    content = service.read_content(project, path)
    info = content.info
    return FileContentOut(
        path=info.path,
        name=info.name,
        size=info.size,
        modified_at=info.modified_at,
        etag=info.etag,
        content_type=info.content_type,
        binary=content.binary,
        encoding=content.encoding,
        content=content.content,
        download_url=content.download_url,
    )


@router.put("/projects/{project_id}/files/content", response_model=FileOut, summary="Save a text file")
def save_file(project_id: str, body: SaveIn, caller: CurrentUser) -> FileOut:
    project = service.resolve_project(caller, project_id, write=True)
    return FileOut.of(service.save_text(project, body.path, body.content, etag=body.etag))


@router.get("/projects/{project_id}/files/download", response_model=LinkOut, summary="A short-lived download link")
def download_file(
    project_id: str, path: PathQuery, caller: CurrentUser, inline: Annotated[bool, Query()] = False
) -> LinkOut:
    project = service.resolve_project(caller, project_id)
    link = service.download_link(project, path, inline=inline)
    return LinkOut(url=link.url, expires_at=link.expires_at)


@router.post(
    "/projects/{project_id}/files/folders", response_model=FolderOut, status_code=201, summary="Create a folder"
)
def create_folder(project_id: str, body: FolderIn, caller: CurrentUser) -> FolderOut:
    project = service.resolve_project(caller, project_id, write=True)
    return FolderOut(path=service.create_folder(project, body.path))


@router.post("/projects/{project_id}/files/move", response_model=MoveOut, summary="Rename or move a file or folder")
def move_file(project_id: str, body: MoveIn, caller: CurrentUser) -> MoveOut:
    project = service.resolve_project(caller, project_id, write=True)
    moved = service.move(project, body.from_, body.to)
    return MoveOut.model_validate({"from": body.from_, "to": body.to, "moved": moved})


@router.delete("/projects/{project_id}/files", status_code=204, summary="Delete a file, or a folder with its files")
def delete_file(project_id: str, path: PathQuery, caller: CurrentUser) -> Response:
    project = service.resolve_project(caller, project_id, write=True)
    service.delete(project, path)
    return Response(status_code=204)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
