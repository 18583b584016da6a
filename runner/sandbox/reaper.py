"""Ending a job's processes: every process of its uid, wherever it went (setsid, nohup, double forks).

A process cannot leave its real uid behind, so the uid is what finds them all: each round lists the
processes whose real, effective or saved uid is the job's (from /proc/<pid>/status) and SIGKILLs them;
children born between the listing and the kill are found by the next round. The pool's RLIMIT_NPROC bounds
a fork bomb, so the rounds converge. Zombies are already dead and are skipped; their parent reaps them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import time
from collections.abc import Collection, Iterator
from pathlib import Path

from shared.logs import logger

PROC = Path("/proc")
ROUNDS = 50
ROUND_PAUSE_SECONDS = 0.02
# World-writable places where a job's commands may leave files that a later job of the same uid could read.
SHARED_TEMP_DIRS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))  # noqa: S108


def processes_of(uid: int) -> Iterator[int]:
    """The live (not zombie) processes whose real, effective or saved uid is `uid`."""
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"{entry.path}/status", "rb") as handle:
                status = handle.read(4096)
        except OSError:
            continue  # gone meanwhile
        uids, state = _field(status, b"Uid:"), _field(status, b"State:")
        if state.startswith(b"Z") or state.startswith(b"X"):
            continue
        if str(uid).encode() in uids.split()[:3]:
            yield int(entry.name)


def _field(status: bytes, name: bytes) -> bytes:
    start = status.find(b"\n" + name)
    if start < 0:
        return b""
    start += len(name) + 1
    end = status.find(b"\n", start)
    return status[start : end if end >= 0 else None].strip()


def kill_all(uid: int, *, keep: Collection[int] = ()) -> int:
    """SIGKILL every process of `uid` but `keep`; returns how many were killed. Logs if some would not die."""
    if uid == 0:
        raise ValueError("refusing to kill every process of root")
    killed = 0
    for _ in range(ROUNDS):
        found = [pid for pid in processes_of(uid) if pid not in keep]
        if not found:
            return killed
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        time.sleep(ROUND_PAUSE_SECONDS)  # let the kernel finish them before listing again
    logger.error("processes of a job uid survived every kill round", extra={"uid": uid, "left": found[:20]})
    return killed


def remove_temp_files(uid: int, places: Collection[Path] = SHARED_TEMP_DIRS) -> int:
    """Delete what `uid` left at the top of the shared temp folders; returns how many entries went."""
    removed = 0
    for place in places:
        try:
            entries = list(os.scandir(place))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if info.st_uid != uid:
                continue
            try:
                if stat.S_ISDIR(info.st_mode):
                    shutil.rmtree(entry.path)  # fd-based on Linux: never follows a link planted inside
                else:
                    os.unlink(entry.path)
                removed += 1
            except OSError as exc:
                logger.warning("could not remove a job's temp file", extra={"path": entry.path, "error": str(exc)})
    return removed
