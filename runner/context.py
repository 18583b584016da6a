"""What a job handler receives: its record, deadline and cancel signal, the runner's services, a safe subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.errors import JobTimeoutError
from runner.services import Services, default_services
from shared.jobs import Job

# How long a process gets to exit after SIGTERM before its whole group is killed.
TERMINATE_GRACE_SECONDS = 3.0


@dataclass
class JobContext:
    job: Job
    runner_id: str
    deadline: float  # time.monotonic() value
    cancelled: threading.Event = field(default_factory=threading.Event)
    services: Services = field(default_factory=default_services)
    ahead: Any = None  # what the handler's `ahead` started from the job's message (runner/registry.py), if anything

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        """Raise when the job should stop (deadline passed or cancelled)."""
        if self.cancelled.is_set() or self.remaining() <= 0:
            raise JobTimeoutError(f"{self.job.job_type} job stopped at its deadline")

    def run_process(
        self,
        command: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        input_bytes: bytes | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a command in its own process group; the group is killed at the deadline or on cancel."""
        process = subprocess.Popen(  # noqa: S603  # commands come from job handlers, never from a shell string
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so killpg reaches every child it spawns
        )
        result: dict[str, bytes] = {}
        communicator = threading.Thread(target=_communicate, args=(process, input_bytes, result), daemon=True)
        communicator.start()
        while communicator.is_alive():
            communicator.join(timeout=0.1)
            if self.cancelled.is_set() or self.remaining() <= 0:
                kill_group(process)
                communicator.join(timeout=TERMINATE_GRACE_SECONDS)
                raise JobTimeoutError(f"{command[0]} was stopped at the job's deadline")
        return subprocess.CompletedProcess(
            process.args, process.returncode, result.get("stdout", b""), result.get("stderr", b"")
        )


def _communicate(process: subprocess.Popen[bytes], input_bytes: bytes | None, result: dict[str, bytes]) -> None:
    stdout, stderr = process.communicate(input_bytes)
    result["stdout"], result["stderr"] = stdout, stderr


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after a grace period."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=TERMINATE_GRACE_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
