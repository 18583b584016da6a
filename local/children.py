"""The supervisor's child processes: each in its own process group, killed by the kernel if the supervisor dies.

The terminal's Ctrl-C goes to the foreground process group, the supervisor's; a child in a group of its own does
not see it, so the supervisor stops the children in its own order (the runner before the AWS it uses).
"""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from local.data_folder import open_private

ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it when the supervisor dies, even by SIGKILL."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Child:
    """A supervised child process."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log_path = name, command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open_private(self.log_path, "ab")  # the child writes to it for its whole life
        self.process = subprocess.Popen(  # noqa: S603
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,  # the terminal's Ctrl-C reaches the supervisor only: it stops the children in order
            preexec_fn=_die_with_parent,  # noqa: PLW1509  # the only way to set PR_SET_PDEATHSIG
        )
        log.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for(url: str, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310  # our own loopback endpoint
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what} did not start within {timeout:.0f} s")
