"""Relative paths inside a project: one check, shared by every way a file can arrive."""

from __future__ import annotations

from shared.errors import ValidationError

# S3 keys are at most 1,024 bytes; the project prefix takes some of that.
MAX_PATH_BYTES = 900


def safe_relative_path(path: str) -> str:
    """`path` unchanged if it is a clean relative path inside a project, else a ValidationError saying why."""
    if not path:
        raise ValidationError("The file path is empty.")
    if len(path.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise ValidationError(f"The file path is longer than {MAX_PATH_BYTES} bytes.")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        raise ValidationError("The file path contains a NUL or another control character.")
    if "\\" in path:
        raise ValidationError("The file path contains a backslash; use '/' between folders.")
    if path.startswith("/"):
        raise ValidationError("The file path is absolute; it must be relative to the project.")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise ValidationError(f"The file path {path!r} has an empty, '.' or '..' segment.")
    return path


def safe_segment(name: str) -> str:
    """`name` unchanged if it is one safe path segment (a project id, a file name)."""
    if "/" in name:
        raise ValidationError(f"{name!r} must be a single name, without '/'.")
    return safe_relative_path(name)
