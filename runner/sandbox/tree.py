"""Folders a job may reach, and keeping what jobs write there usable by the next job of the same project.

A gate is a folder owned by root, with the group of the project or user it holds and mode 2770: only job
processes that carry that group (as a supplementary group) may enter. Inside, the setgid bit makes new files
and folders take the gate's group, and the jobs' umask (007) makes them group read-write, so every job of
the project, under any pool uid, can work with them. `normalize` repairs what a job made otherwise (a file
moved in from elsewhere, a chmod 600, a setuid bit), walking by file descriptors so that a link planted in
the tree can never redirect a chown or chmod outside it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

GATE_MODE = 0o2770
DIR_BITS = 0o2070  # group rwx and setgid, on every folder inside a gate
FILE_BITS = 0o060  # group rw on every file inside a gate
STRIPPED_BITS = stat.S_ISUID | stat.S_ISGID  # never on a file a job made
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)


def ensure_traversable(path: Path) -> None:
    """`path` and every folder above it exist and let other users pass through (the job users must reach it).

    Missing folders are made 0711 (pass through, no listing); an existing one that others cannot pass is an
    error naming it, rather than a chmod of someone else's folder.
    """
    for folder in reversed([path, *path.parents]):
        if not folder.exists():
            folder.mkdir()
            folder.chmod(0o711)
        elif not folder.stat().st_mode & stat.S_IXOTH:
            raise PermissionError(
                f"the sandbox's job users cannot pass through {folder} (mode {stat.S_IMODE(folder.stat().st_mode):o});"
                " choose a sandbox folder (STUDIO_SANDBOX_DIR) whose parents everyone may pass through"
            )


def ensure_private(path: Path, mode: int, *, uid: int = 0, gid: int = 0) -> None:
    """`path` exists as a real folder (not a link) with this owner and mode."""
    path.mkdir(parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise RuntimeError(f"{path} must be a folder, not a link or a file")
    if (info.st_uid, info.st_gid) != (uid, gid):
        os.chown(path, uid, gid, follow_symlinks=False)
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)


def ensure_gate(path: Path, gid: int) -> bool:
    """Make `path` a gate for `gid`; True when it was new or belonged to another group (its tree needs normalize)."""
    existed = path.is_dir()
    previous = path.lstat().st_gid if existed else None
    ensure_private(path, GATE_MODE, uid=0, gid=gid)
    return previous != gid


def normalize(root: Path, gid: int) -> int:
    """Give everything under `root` the group `gid` with group access, strip set-id bits; returns fixes made."""
    try:
        fd = os.open(root, _OPEN_DIR)
    except FileNotFoundError:
        return 0
    try:
        return _walk(fd, gid)
    finally:
        os.close(fd)


def _walk(dir_fd: int, gid: int) -> int:
    fixes = 0
    names = []
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):  # removed since the listing (a temp file): nothing to fix
                names.append((entry.name, entry.stat(follow_symlinks=False)))
    for name, info in names:
        if stat.S_ISLNK(info.st_mode):
            continue  # links are never followed nor changed
        is_dir = stat.S_ISDIR(info.st_mode)
        if not (is_dir or stat.S_ISREG(info.st_mode)):
            continue  # pipes and sockets: nothing to share
        wanted_bits = DIR_BITS if is_dir else FILE_BITS
        needs_fix = (
            info.st_gid != gid
            or (info.st_mode & wanted_bits) != wanted_bits
            or (not is_dir and bool(info.st_mode & STRIPPED_BITS))
        )
        if not (needs_fix or is_dir):
            continue
        try:
            fd = os.open(name, _OPEN_DIR if is_dir else _OPEN_FILE, dir_fd=dir_fd)
        except OSError:
            continue  # replaced by a link or removed meanwhile: leave it
        try:
            if needs_fix:
                fixes += _fix(fd, gid, wanted_bits, is_dir)
            if is_dir:
                fixes += _walk(fd, gid)
        finally:
            os.close(fd)
    return fixes


def _fix(fd: int, gid: int, wanted_bits: int, is_dir: bool) -> int:
    info = os.fstat(fd)  # the object actually opened, not what the listing saw
    if stat.S_ISDIR(info.st_mode) != is_dir:
        return 0
    with contextlib.suppress(OSError):
        if info.st_gid != gid:
            os.fchown(fd, -1, gid)
        mode = stat.S_IMODE(info.st_mode) | wanted_bits
        if not is_dir:
            mode &= ~STRIPPED_BITS
        os.fchmod(fd, mode)
        return 1
    return 0
