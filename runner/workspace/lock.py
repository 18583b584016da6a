"""A per-workspace file lock (flock), so two jobs on one runner never sync the same local copy at once."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runner.workspace.errors import WorkspaceBusyError

POLL_SECONDS = 0.05


@contextmanager
def file_lock(path: Path, *, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on `path` (waiting up to `timeout` seconds for it) while the block runs.

    flock belongs to the open file, so it excludes other threads of this process as well as other processes,
    and the kernel drops it if the holder dies: a crashed job never leaves the workspace locked.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WorkspaceBusyError(f"{path.stem} is being synced by another job") from None
                # A blocking flock cannot be given a deadline outside the main thread, hence the polling.
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
