"""What the runner needs of the tools it starts (git, rclone): their output read within bounds, their end forced.

Each tool runs in a process group of its own (`start_new_session`), so a kill reaches whatever it started too.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import threading

KILL_WAIT_SECONDS = 5.0


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process's group, then give it a moment to be reaped."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(KILL_WAIT_SECONDS)


class StdoutReader:
    """A thread that gathers the process's stdout; past `limit` bytes it stops reading and sets `full`."""

    def __init__(self, process: subprocess.Popen[bytes], limit: int | None, *, name: str) -> None:
        self.data = bytearray()
        self.full = threading.Event()
        self._process, self._limit = process, limit
        self.thread = threading.Thread(target=self._read, name=name, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        stream = self._process.stdout
        assert isinstance(stream, io.BufferedReader)
        while chunk := stream.read1(65536):
            self.data += chunk
            if self._limit is not None and len(self.data) > self._limit:
                self.full.set()
                return
