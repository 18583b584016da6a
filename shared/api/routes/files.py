"""Project files (docs/files.md): uploads (multipart and presigned), the tree, reading, editing and moving."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import UploadFile

from shared.api.deps import CurrentUser
from shared.drives.mounts import check_writable
from shared.errors import PayloadTooLargeError, ValidationError
from shared.files import multipart, presigned, reading, service, tree
from shared.files.paths import MAX_PATH_BYTES, safe_folder
from shared.files.schemas import CancelIn, Folder, FolderIn, Moved, MoveIn, PresignIn, SaveIn, UploadedFiles
from shared.files.views import DownloadLink, FileContent, FileInfo, PresignedUpload, Tree, Upload
from shared.logs import logger
from shared.projects import service as projects
from shared.rules import service as rules
from shared.settings import get_settings

router = APIRouter(tags=["files"])

PathQuery = Annotated[str, Query(min_length=1, max_length=MAX_PATH_BYTES, description="Relative to the project")]
InlineQuery = Annotated[
    bool, Query(description="Show it in the page: only images (not SVG), PDF and plain text; others stay attachments")
]
MAX_FILES_PER_REQUEST = 20
_UPLOAD_ROUTE = "POST /api/projects/{id}/files/uploads"


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
    summary="Upload small files (multipart/form-data); documents are converted to Markdown, larger ones afterwards",
    openapi_extra=_MULTIPART_BODY,
)
async def upload_documents(projectName: str, request: Request, caller: CurrentUser) -> UploadedFiles:  # noqa: N803
    project = projects.resolve(caller, projectName, write=True)
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
    except Exception as exc:  # python-multipart's parse errors, Starlette's limits: the detail is for the log
        logger.info("unreadable multipart upload", extra={"error": type(exc).__name__, "detail": str(exc)[:300]})
        raise ValidationError(
            f"The upload could not be read: send the files as multipart/form-data, at most {MAX_FILES_PER_REQUEST} "
            "files in parts named 'files'."
        ) from exc
    try:
        folder = form.get("folder")
        base = safe_folder(folder if isinstance(folder, str) else "")
        parts = [part for part in form.getlist("files") if isinstance(part, UploadFile)]
        if not parts:
            raise ValidationError("Attach at least one file in a part named 'files'.")
        files: list[multipart.Part] = []
        for part in parts:
            if not part.filename:
                raise ValidationError("Every file part needs a file name.", code="invalid_path")
            path = f"{base}/{part.filename}" if base else part.filename
            files.append(multipart.Part(path, await part.read(), part.content_type or None))
    finally:
        await form.close()
    check_writable(project.project_id, *(part.path for part in files))
    return multipart.store(caller.user_id, project, files)


@router.post(
    "/projects/{project_id}/files/uploads",
    response_model=PresignedUpload,
    status_code=201,
    summary="Start a presigned upload: POST the file straight to S3 (up to the upload limit)",
)
def start_upload(project_id: str, body: PresignIn, caller: CurrentUser) -> PresignedUpload:
    project = projects.resolve(caller, project_id, write=True)
    check_writable(project.project_id, body.path)
    return presigned.presign(caller, project, body.path, body.size, body.content_type)


@router.get(
    "/projects/{project_id}/files/uploads/{upload_id}",
    response_model=Upload,
    summary="An upload's state (pending until the file arrived and was processed)",
)
def get_upload(project_id: str, upload_id: str, caller: CurrentUser) -> Upload:
    return presigned.get(projects.resolve(caller, project_id), upload_id)


@router.post(
    "/projects/{project_id}/files/uploads/{upload_id}/cancel",
    response_model=Upload,
    summary="Give up a pending upload (S3 refused it, or the user cancelled)",
)
def cancel_upload(project_id: str, upload_id: str, caller: CurrentUser, body: CancelIn | None = None) -> Upload:
    project = projects.resolve(caller, project_id, write=True)
    return presigned.cancel(project, upload_id, body.reason if body else None)


@router.get(
    "/projects/{project_id}/files/tree",
    response_model=Tree,
    summary="The project's files and folders (cached; ETag / If-None-Match)",
    responses={304: {"description": "The tree has not changed since the ETag you sent"}},
)
def get_tree(project_id: str, request: Request, response: Response, caller: CurrentUser) -> Any:
    current = tree.read(projects.resolve(caller, project_id).project_id)
    headers = {"ETag": current.etag, "Cache-Control": "private, no-cache"}
    if current.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return current


@router.get("/projects/{project_id}/files/content", response_model=FileContent, summary="Read a file")
def read_file(project_id: str, path: PathQuery, caller: CurrentUser) -> FileContent:
    return reading.read_content(projects.resolve(caller, project_id), path)


@router.put("/projects/{project_id}/files/content", response_model=FileInfo, summary="Save a text file")
def save_file(project_id: str, body: SaveIn, caller: CurrentUser) -> FileInfo:
    project = projects.resolve(caller, project_id, write=True)
    check_writable(project.project_id, body.path)
    saved = service.save_text(project, body.path, body.content, etag=body.etag)
    rules.file_saved(project, saved.path, body.content, author_id=caller.user_id)  # the root CLAUDE.md: a version
    return saved


@router.get("/projects/{project_id}/files/download", response_model=DownloadLink, summary="A short-lived download link")
def download_file(project_id: str, path: PathQuery, caller: CurrentUser, inline: InlineQuery = False) -> DownloadLink:
    return reading.download_link(projects.resolve(caller, project_id), path, inline=inline)


@router.post("/projects/{project_id}/files/folders", response_model=Folder, status_code=201, summary="Create a folder")
def create_folder(project_id: str, body: FolderIn, caller: CurrentUser) -> Folder:
    project = projects.resolve(caller, project_id, write=True)
    check_writable(project.project_id, body.path)
    return service.create_folder(project, body.path)


@router.post("/projects/{project_id}/files/move", response_model=Moved, summary="Rename or move a file or folder")
def move_file(project_id: str, body: MoveIn, caller: CurrentUser) -> Moved:
    project = projects.resolve(caller, project_id, write=True)
    check_writable(project.project_id, body.from_, body.to, recursive=True)
    return service.move(project, body.from_, body.to)


@router.delete("/projects/{project_id}/files", status_code=204, summary="Delete a file, or a folder with its files")
def delete_file(project_id: str, path: PathQuery, caller: CurrentUser) -> Response:
    project = projects.resolve(caller, project_id, write=True)
    check_writable(project.project_id, path, recursive=True)
    service.delete(project, path)
    return Response(status_code=204)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
