"""Who a job runs as: the pool of job users (one uid at a time per job) and a stable group per project and user.

The pool users `sasha-job-0` … `sasha-job-<n-1>` are baked into the runner image (`python -m runner.sandbox
install`) and created at start elsewhere when the runner is root. Groups need no /etc/group entry: the runner
(root) gives a job process its groups by number, from a map kept in the sandbox's state folder, so a project
keeps its group for as long as its workspace stays on this runner's disk.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER_PREFIX = "sasha-job-"
FIRST_GROUP_ID = 2_000_000  # far above system and login groups
NOLOGIN = "/usr/sbin/nologin"


class SandboxError(RuntimeError):
    """The sandbox cannot isolate a job as configured (not root, no pool users, no free slot)."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One pool user: a job holds it for its whole life, and no other job runs as it meanwhile."""

    index: int
    name: str
    uid: int
    gid: int


def ensure_pool_users(count: int) -> list[Slot]:
    """The pool's users, created (as root, with useradd) when missing."""
    slots = []
    for index in range(count):
        name = f"{USER_PREFIX}{index}"
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            _create_user(name)
            entry = pwd.getpwnam(name)
        if entry.pw_uid == 0:
            raise SandboxError(f"the pool user {name} must not be root")
        slots.append(Slot(index, name, entry.pw_uid, entry.pw_gid))
    return slots


def _create_user(name: str) -> None:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    if os.geteuid() != 0 or not Path(useradd).exists():
        raise SandboxError(f"the sandbox user {name} does not exist and cannot be created here (root and useradd)")
    command = [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"]
    command += ["--shell", NOLOGIN if Path(NOLOGIN).exists() else "/bin/false", name]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode not in (0, 9):  # 9: created meanwhile by another runner
        raise SandboxError(f"could not create the sandbox user {name}: {result.stderr.strip()}")


class SlotPool:
    """Leases pool users to jobs, one job per user at a time."""

    def __init__(self, slots: list[Slot]) -> None:
        self._free = list(slots)
        self._changed = threading.Condition()

    @contextmanager
    def lease(self, timeout: float) -> Iterator[Slot]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._free:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._changed.wait(remaining):
                    raise SandboxError("every sandbox user is busy; the job will be retried")
            slot = self._free.pop(0)
        try:
            yield slot
        finally:
            with self._changed:
                self._free.append(slot)
                self._changed.notify()


class GroupIds:
    """A stable group id per project and per user on this runner (a JSON map in the sandbox's state folder)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        try:
            self._ids: dict[str, int] = {str(k): int(v) for k, v in json.loads(path.read_text()).items()}
        except (OSError, ValueError):
            self._ids = {}

    def of(self, kind: str, key: str) -> int:
        name = f"{kind}:{key}"
        with self._lock:
            if name not in self._ids:
                self._ids[name] = FIRST_GROUP_ID + len(self._ids)
                temp = self._path.with_suffix(".tmp")
                temp.write_text(json.dumps(self._ids))
                os.replace(temp, self._path)
            return self._ids[name]
