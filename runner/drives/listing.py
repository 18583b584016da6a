"""Both sides as lists of files: the drive through `rclone lsjson`, the local folder by a walk that follows no link.

The local side is read and changed by the runner itself, by descriptor (each folder opened with O_NOFOLLOW), so a
link a job planted inside the mount folder never redirects a deletion. Names that cannot travel (control
characters, a newline, not UTF-8) and anything that is not a regular file or folder are listed as skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from runner.drives.command import Rclone
from runner.drives.state import Stamp

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
STAGING_PREFIX = ".drive-sync-"  # a sync's downloads in flight, at the top of the mount: never listed, never synced


@dataclass
class Tree:
    files: dict[str, Stamp] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    skipped: dict[str, str] = field(default_factory=dict)  # path: why it is left alone
    exists: bool = True


def name_problem(relative: str) -> str | None:
    """Why `relative` cannot be synced, or None."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or _CONTROL.search(relative):
        return "the name holds control characters or empty, '.' or '..' parts"
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return "the name is not valid UTF-8"
    return None


def list_remote(rclone: Rclone, paths: Iterable[str] | None = None) -> Tree:
    """The drive folder, recursively (or only `paths`, looked up one by one: after an upload)."""
    selection = rclone.files_from(sorted(paths)) if paths is not None else []
    items = rclone.list_json("-R", "--no-mimetype", "--fast-list", *selection, rclone.config.remote())
    tree = Tree()
    for item in items:
        relative = str(item.get("Path", ""))
        problem = name_problem(relative)
        if problem:
            tree.skipped[relative] = problem
        elif item.get("IsDir"):
            tree.dirs.add(relative)
        else:
            tree.files[relative] = (int(item.get("Size", -1)), str(item.get("ModTime", "")))
    return tree


def list_local(root: Path) -> Tree:
    """Every regular file under `root` with its size and mtime_ns; links, devices and odd names are skipped.

    Each folder is opened by descriptor without following a link, so a folder swapped for a link meanwhile is
    never read through.
    """
    tree = Tree()
    pending = [""]
    while pending:
        folder = pending.pop()
        descriptor = _open_folder(root, folder)
        if descriptor is None:
            if folder:
                tree.skipped[folder] = "the folder cannot be read"
            else:
                tree.exists = False
            continue
        try:
            with os.scandir(descriptor) as entries:
                for entry in entries:
                    relative = f"{folder}/{entry.name}" if folder else entry.name
                    _add(tree, relative, entry, pending)
        except OSError as exc:
            tree.skipped[folder] = f"the folder cannot be read ({exc.strerror})"
        finally:
            os.close(descriptor)
    return tree


def _add(tree: Tree, relative: str, entry: os.DirEntry[str], pending: list[str]) -> None:
    problem = name_problem(relative)
    if relative.startswith(STAGING_PREFIX) and "/" not in relative:
        return
    if problem:
        tree.skipped[relative] = problem
    elif entry.is_symlink():
        tree.skipped[relative] = "a symbolic link (links are never synced)"
    elif entry.is_dir(follow_symlinks=False):
        tree.dirs.add(relative)
        pending.append(relative)
    elif entry.is_file(follow_symlinks=False):
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return  # removed since the listing: absent, not an unreadable folder
        tree.files[relative] = (info.st_size, str(info.st_mtime_ns))
    else:
        tree.skipped[relative] = "not a regular file"


def same_moment(remote: Stamp, local: Stamp) -> bool:
    """Same size, and modification times within a second (drives keep seconds or milliseconds)."""
    if remote[0] != local[0]:
        return False
    try:
        remote_ns = _epoch_ns(remote[1])
    except ValueError:
        return False
    return abs(remote_ns - int(local[1])) < 1_000_000_000


def remove_file(root: Path, relative: str, expected: Stamp | None) -> bool:
    """Delete a regular file, by descriptor, if it is still as listed (`expected`); False when it was not."""
    opened = _open_parent(root, relative)
    if opened is None:
        return False
    descriptor, name = opened
    try:
        info = os.stat(name, dir_fd=descriptor, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode) or (expected and (info.st_size, str(info.st_mtime_ns)) != expected):
            return False
        os.unlink(name, dir_fd=descriptor)
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def remove_empty_folder(root: Path, relative: str) -> bool:
    opened = _open_parent(root, relative)
    if opened is None:
        return False
    descriptor, name = opened
    try:
        os.rmdir(name, dir_fd=descriptor)  # only ever an empty folder
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def place(root: Path, staged: str, target: str, *, owner: int | None = None) -> bool:
    """Move `root/staged` onto `root/target` by descriptor; False when that cannot be done.

    Missing folders are made (given to `owner`, the uid rclone runs as, like the folders rclone makes itself).
    """
    source = _open_parent(root, staged)
    if source is None:
        return False
    source_folder, source_name = source
    folder, _, name = target.rpartition("/")
    target_folder = _open_folder(root, folder, create=True, owner=owner)
    try:
        if target_folder is None:
            return False
        os.rename(source_name, name, src_dir_fd=source_folder, dst_dir_fd=target_folder)
        return True
    except OSError:
        return False
    finally:
        os.close(source_folder)
        if target_folder is not None:
            os.close(target_folder)


def clear_staging(root: Path) -> None:
    """Remove what a sync that was killed left in its staging folders."""
    descriptor = _open_folder(root, "")
    if descriptor is None:
        return
    try:
        with os.scandir(descriptor) as entries:
            leftovers = [
                e.name for e in entries if e.name.startswith(STAGING_PREFIX) and e.is_dir(follow_symlinks=False)
            ]
        for name in leftovers:
            shutil.rmtree(name, ignore_errors=True, dir_fd=descriptor)  # removes links, never follows them
    finally:
        os.close(descriptor)


def parents(relative: str) -> list[str]:
    """'a/b/c.txt' → ['a/b', 'a'], deepest first."""
    parts = relative.split("/")[:-1]
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _open_parent(root: Path, relative: str) -> tuple[int, str] | None:
    folder, _, name = relative.rpartition("/")
    descriptor = _open_folder(root, folder)
    return None if descriptor is None else (descriptor, name)


def _open_folder(root: Path, relative: str, *, create: bool = False, owner: int | None = None) -> int | None:
    """A descriptor of `root/relative`, each part opened without following a link.

    With `create`, a missing part is made with its parent's mode (setgid and group bits included) and given to
    `owner`: what the runner makes in a project looks like what rclone, as the job's user, would have made.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(root, flags)
    except OSError:
        return None
    for part in relative.split("/") if relative else ():
        try:
            made = False
            parent_mode = stat.S_IMODE(os.fstat(descriptor).st_mode)
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o700, dir_fd=descriptor)
                    made = True
            inner = os.open(part, flags, dir_fd=descriptor)
        except OSError:
            os.close(descriptor)
            return None
        os.close(descriptor)
        descriptor = inner
        if made:
            with contextlib.suppress(OSError):  # a folder left 0700 is repaired by the sandbox's normalize
                if owner is not None:
                    os.fchown(descriptor, owner, -1)
                os.fchmod(descriptor, parent_mode)
    return descriptor


def _epoch_ns(text: str) -> int:
    """RFC 3339 with up to nanoseconds ('2026-12-06T09:30:12.123456789Z') as nanoseconds since the epoch."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$", text)
    if not match:
        raise ValueError(f"not a time: {text!r}")
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    seconds = int(datetime.fromisoformat(match.group(1) + zone).timestamp())
    return seconds * 1_000_000_000 + int((match.group(2) or "0").ljust(9, "0"))
