"""A mount's sync state: each file as both sides had it after the last sync, kept as JSON outside the project.

    {"version": 1, "identity": {"remote": "drive:Team/Reports", "local": "/…/files/Reports"},
     "files": {"q3/report.docx": {"r": [52144, "2026-12-06T09:30:12Z"], "l": [52144, "1796549412000000000"]}}}

"r" is the drive's size and modification time as rclone lists them, "l" the local size and mtime_ns: a side has
changed when its pair differs from the one recorded. A side that is missing is null. The caller chooses the file
(a root-only folder such as `sandbox.sync_state(f"drive-{mount_id}") / "state.json"`); a state that is missing,
unreadable or written for another remote or folder counts as empty, which is safe: files on both sides are then
compared, never overwritten blindly. Syncs of one mount on one runner serialise on a flock beside the file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from runner.drives.errors import DriveBusyError
from shared.logs import logger

VERSION = 1
POLL_SECONDS = 0.05

Stamp = tuple[int, str]  # size, modification time (the drive's RFC 3339 text, or the local mtime_ns)


@dataclass(frozen=True, slots=True)
class Base:
    remote: Stamp | None
    local: Stamp | None


@dataclass
class SyncState:
    path: Path
    identity: dict[str, str]
    files: dict[str, Base] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, identity: dict[str, str]) -> SyncState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION or data.get("identity") != identity:
                raise ValueError("written for another version, remote or folder")
            files = {
                name: Base(_stamp(entry.get("r")), _stamp(entry.get("l"))) for name, entry in data["files"].items()
            }
        except FileNotFoundError:
            return cls(path, identity)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning("drive sync state ignored", extra={"state": str(path), "reason": str(exc)})
            return cls(path, identity)
        return cls(path, identity, files)

    def save(self) -> None:
        """Atomically (a temp file renamed over the old one), readable by the runner only."""
        data = {
            "version": VERSION,
            "identity": self.identity,
            "files": {name: {"r": base.remote, "l": base.local} for name, base in sorted(self.files.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


@contextlib.contextmanager
def state_lock(state_file: Path, *, timeout: float) -> Iterator[None]:
    """An exclusive flock on `<state file>.lock` for one sync; the kernel drops it if the holder dies."""
    state_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    deadline = time.monotonic() + timeout
    with state_file.with_name(state_file.name + ".lock").open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DriveBusyError("Another sync of this mount is still running.") from None
                time.sleep(POLL_SECONDS)  # a blocking flock cannot be given a deadline
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stamp(value: object) -> Stamp | None:
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
        return (value[0], value[1])
    raise ValueError(f"not a size and time: {value!r}")
