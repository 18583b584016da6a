"""Who a job runs as: the pool of job users (one uid at a time per job) and a stable group per project and user.

The pool users `sasha-job-0` … `sasha-job-<n-1>` are baked into the runner image (`python -m runner.sandbox
install`) and created at start elsewhere when the runner is root. Groups need no /etc/group entry: the runner
(root) gives a job process its groups by number, from a map kept in the sandbox's state folder, so a project
keeps its group for as long as its workspace stays on this runner's disk.

A pool user is a machine's, not a runner's: two runners on one machine (a developer's `make run` beside the tests'
stacks) would otherwise lease the same uid at once, and one's clean-up (`reaper.kill_all`) would kill the other's
jobs. So a lease also holds the slot's lock file (an `flock` in a root-only folder of the machine, released by the
kernel when its holder dies), and a runner only leases, or cleans up after, a slot whose lock it gets.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER_PREFIX = "sasha-job-"
SLOT_LOCKS = Path("/run/sasha-sandbox")  # root's alone (/run is root's): a job user cannot take or plant a lock
MACHINE_POOL_USERS = 256  # sasha-job-0 … sasha-job-255: what the runners of one machine lease from
LOOK_AGAIN_SECONDS = 0.5  # a slot another runner of the machine holds may come free: how often a waiter looks
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
    """The pool's first `count` users, created (as root, with useradd) when missing."""
    return [pool_user(index) for index in range(count)]


def pool_user(index: int) -> Slot:
    """The pool user `sasha-job-<index>`, created (as root, with useradd) when missing."""
    name = f"{USER_PREFIX}{index}"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        _create_user(name)
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise SandboxError(f"the pool user {name} must not be root")
    return Slot(index, name, entry.pw_uid, entry.pw_gid)


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
    """Leases pool users to this runner's jobs: at most `size` at once, each one no other job of the machine holds.

    A lease takes the first user of the machine's pool (`sasha-job-0` upwards) whose lock it gets, so runners
    sharing a machine spread over the pool instead of waiting for each other's first users (see the module's
    docstring); a user beyond those made at start is created then.
    """

    def __init__(self, size: int, lock_dir: Path = SLOT_LOCKS, users: Callable[[int], Slot] = pool_user) -> None:
        self.size = size
        self._held: set[int] = set()
        self._changed = threading.Condition()
        self._lock_dir = _private_folder(lock_dir)
        self._users = users

    @contextmanager
    def lease(self, timeout: float) -> Iterator[Slot]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while (taken := self._take()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SandboxError("every sandbox user is busy; the job will be retried")
                self._changed.wait(min(remaining, LOOK_AGAIN_SECONDS))
        slot, lock = taken
        try:
            yield slot
        finally:
            os.close(lock)  # the user is the machine's again (after the job's clean-up, which ran inside)
            with self._changed:
                self._held.discard(slot.index)
                self._changed.notify()

    @contextmanager
    def idle(self, index: int) -> Iterator[Slot | None]:
        """The pool user `index` while nobody holds it, its lock held for the block; None when someone does.

        A runner starting cleans up only after the users no live runner of the machine holds."""
        lock = self._lock(index)
        try:
            yield self._users(index) if lock is not None else None
        finally:
            if lock is not None:
                os.close(lock)

    def _take(self) -> tuple[Slot, int] | None:
        if len(self._held) >= self.size:
            return None
        for index in range(MACHINE_POOL_USERS):
            if index in self._held or (lock := self._lock(index)) is None:
                continue
            try:
                slot = self._users(index)
            except BaseException:
                os.close(lock)
                raise
            self._held.add(index)
            return slot, lock
        return None

    def _lock(self, index: int) -> int | None:
        """The user's lock file, locked; None when another process of the machine holds it."""
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(self._lock_dir / f"{USER_PREFIX}{index}.lock", flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return fd


def _private_folder(path: Path) -> Path:
    """`path` as a folder only this process's user may use (made if missing; a link or another owner refused)."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)
    info = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) or info.st_uid != os.geteuid():
        raise SandboxError(f"{path} must be a folder of the runner's own user")
    os.chmod(path, 0o700)
    return path


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
