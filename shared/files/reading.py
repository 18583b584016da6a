"""Reading a project's files: text for the viewer and editor (its encoding detected), else a download link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from charset_normalizer import from_bytes

from shared import aws
from shared.files.objects import bucket, file_key, head, not_found, storage
from shared.files.paths import safe_relative_path
from shared.files.views import DownloadLink, FileContent
from shared.models.base import utcnow
from shared.projects.service import ProjectView

# Text shown in the viewer and editor; bigger files are downloaded instead.
TEXT_READ_MAX_BYTES = 2 * 1024 * 1024
DOWNLOAD_URL_SECONDS = 5 * 60
PLAIN_TEXT = "text/plain; charset=utf-8"
# What a browser may show in the page (`inline=true`): passive types only, named by the file's extension and never
# by the type stored with it (the uploader chose that one). HTML, SVG, XML and scripts would run as the storage's
# origin, so they, and every type not listed, are attachments of type application/octet-stream.
INLINE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "bmp": "image/bmp",
    "ico": "image/vnd.microsoft.icon",
    "pdf": "application/pdf",
    "txt": PLAIN_TEXT,
    "text": PLAIN_TEXT,
    "log": PLAIN_TEXT,
    "md": PLAIN_TEXT,
    "markdown": PLAIN_TEXT,
    "csv": PLAIN_TEXT,
}
ATTACHMENT_TYPE = "application/octet-stream"
WESTERN_DEFAULT = "cp1252"
WESTERN_MARGIN = 0.2  # of charset-normalizer's "chaos" (0: reads cleanly, 1: noise)


def read_content(project: ProjectView, path: str) -> FileContent:
    """Text (its encoding detected) for the viewer and editor; binary or large files get a download link."""
    path = safe_relative_path(path)
    s3 = aws.client("s3")
    with storage("read the file", project_id=project.project_id, path=path):
        meta = head(s3, project.project_id, path)
        if meta is None:
            raise not_found(path)
        described = {**meta, "path": path}
        if int(meta["ContentLength"]) > TEXT_READ_MAX_BYTES:
            return _binary(project, described)
        data = s3.get_object(Bucket=bucket(), Key=file_key(project.project_id, path))["Body"].read()
    decoded = decode_text(data)
    if decoded is None:
        return _binary(project, described)
    encoding, text = decoded
    return FileContent.model_validate(
        {**described, "binary": False, "encoding": encoding, "content": text, "download_url": None}
    )


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
    """A presigned GET for the file (an attachment unless `inline` and a passive type), valid for a few minutes."""
    path = safe_relative_path(path)
    s3 = aws.client("s3")
    with storage("prepare the download", project_id=project.project_id, path=path):
        if head(s3, project.project_id, path) is None:
            raise not_found(path)
        params: dict[str, Any] = {
            "Bucket": bucket(),
            "Key": file_key(project.project_id, path),
            **download_headers(path, inline=inline),
        }
        url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=DOWNLOAD_URL_SECONDS)
    return DownloadLink(url=url, expires_at=utcnow() + timedelta(seconds=DOWNLOAD_URL_SECONDS))


def download_headers(path: str, *, inline: bool) -> dict[str, str]:
    """The Content-Type and Content-Disposition S3 answers a download of `path` with (its `Response…` overrides).

    S3 cannot send `X-Content-Type-Options: nosniff`; the type is therefore always set here, from the name, so the
    one the uploader stored is never echoed: a passive type (`INLINE_TYPES`) as itself, anything else as
    application/octet-stream, which no browser renders.
    """
    name = path.rpartition("/")[2]
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    passive = INLINE_TYPES.get(extension)
    disposition = "inline" if inline and passive else "attachment"
    return {
        "ResponseContentType": passive or ATTACHMENT_TYPE,
        "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(name, safe='')}",
    }


def _binary(project: ProjectView, described: dict[str, Any]) -> FileContent:
    """A file the viewer cannot show as text: its description and a download link."""
    url = download_link(project, described["path"]).url
    return FileContent.model_validate(
        {**described, "binary": True, "encoding": None, "content": None, "download_url": url}
    )
