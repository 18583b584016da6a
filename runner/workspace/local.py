"""The local side: safe paths under the root, what a file looks like now, and a walk that never follows links."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from runner.workspace.manifest import Entry
from shared.errors import ValidationError
from shared.files.paths import safe_relative_path


class UnsafePathError(ValueError):
    """A relative path that could land outside the workspace (or cannot be an S3 key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LocalFile:
    size: int
    mtime_ns: int

    def matches(self, entry: Entry | None) -> bool:
        """Unchanged since the sync that wrote `entry`."""
        return entry is not None and (self.size, self.mtime_ns) == (entry.size, entry.mtime_ns)

    def entry(self, etag: str) -> Entry:
        return Entry(etag=etag, size=self.size, mtime_ns=self.mtime_ns)


@dataclass(frozen=True, slots=True)
class Blocked:
    """Something other than a regular file sits at the path (a link, a folder, a pipe)."""

    reason: str


LocalState = LocalFile | Blocked | None  # None: nothing there


def check_relative(relative: str) -> str:
    """`relative` unchanged if it is a clean relative path that is also a valid UTF-8 S3 key."""
    try:
        safe_relative_path(relative)
        relative.encode("utf-8")  # names that are not UTF-8 arrive from os.scandir as lone surrogates
    except ValidationError as exc:
        raise UnsafePathError(exc.message) from exc
    except UnicodeEncodeError as exc:
        raise UnsafePathError("The file name is not valid UTF-8.") from exc
    return relative


def safe_target(root: Path, relative: str) -> Path:
    """Where `relative` lives under `root` (a resolved path), refusing any way out: '..', '/', links."""
    parts = check_relative(relative).split("/")
    folder = root
    for part in parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise UnsafePathError(f"The folder {folder.relative_to(root).as_posix()!r} is a symbolic link.")
    # Belt and braces: with no link on the way the real path is under the root; check it anyway.
    if not Path(os.path.realpath(folder)).is_relative_to(root):
        raise UnsafePathError("The path resolves outside the workspace.")
    return folder / parts[-1]


def local_state(path: Path) -> LocalState:
    """What is at `path` now, without following a link."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return Blocked("a file where a folder on its path should be")
    if stat.S_ISREG(info.st_mode):
        return LocalFile(info.st_size, info.st_mtime_ns)
    if stat.S_ISLNK(info.st_mode):
        return Blocked("a symbolic link")
    if stat.S_ISDIR(info.st_mode):
        return Blocked("a folder")
    return Blocked("not a regular file")


@dataclass
class Scan:
    files: dict[str, LocalFile] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # relative path → reason

    def blocked(self, relative: str) -> bool:
        """Whether `relative` or a folder above it was skipped (so its absence here means nothing)."""
        parts = relative.split("/")
        return any("/".join(parts[: index + 1]) in self.skipped for index in range(len(parts)))


def scan(root: Path) -> Scan:
    """Every regular file under `root`; links, special files and unsafe names are skipped with a reason."""
    result = Scan()
    pending = [(root, "")]
    while pending:
        folder, base = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        except OSError as exc:
            result.skipped[base.rstrip("/") or "."] = f"unreadable folder: {exc.strerror}"
            continue
        for entry in entries:
            relative = base + entry.name
            try:
                check_relative(relative)
            except UnsafePathError as exc:
                result.skipped[relative] = exc.reason
            else:
                _classify(root, entry, relative, result, pending)
    return result


def _classify(
    root: Path, entry: os.DirEntry[str], relative: str, result: Scan, pending: list[tuple[Path, str]]
) -> None:
    if entry.is_symlink():
        inside = Path(os.path.realpath(entry.path)).is_relative_to(root)
        result.skipped[relative] = (
            "symbolic link inside the workspace (links are not synced)"
            if inside
            else "symbolic link to outside the workspace (not uploaded)"
        )
    elif entry.is_dir(follow_symlinks=False):
        pending.append((Path(entry.path), relative + "/"))
    elif entry.is_file(follow_symlinks=False):
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return  # removed since the listing: as absent as if it had gone a moment earlier
        result.files[relative] = LocalFile(info.st_size, info.st_mtime_ns)
    else:
        result.skipped[relative] = "not a regular file"


def has_content(path: Path, etag: str) -> bool:
    """Whether the file's MD5 is `etag`: true only for single-part ETags, which are MD5s of the content."""
    digest = etag.strip('"')
    if len(digest) != 32 or "-" in digest:
        return False
    md5 = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            md5.update(chunk)
    return md5.hexdigest() == digest


def prune_empty_folders(root: Path, start: Path) -> None:
    """Remove `start` and the folders above it while they are empty, stopping at `root`."""
    folder = start
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
