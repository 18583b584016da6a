"""One rclone command, locked down: our config file only, an environment built from nothing, bounded waits.

Every run gets `--config <the remote's file>` and a HOME, cache and TMPDIR inside the remote's private folder, so
no user's or system's rclone configuration (nor an `RCLONE_*` variable of the runner's environment) takes part.
Connections give up after `--contimeout`, an idle transfer after `--timeout`; rclone retries a request
`--low-level-retries` times and never re-runs a whole command (`--retries 1`): the caller decides what to retry.
The process runs in its own session and the group is killed at the deadline. Its JSON log is read as it comes:
which files it copied and deleted, and its errors (redacted), which `health.classify` turns into a reason.

Who rclone runs as is the `ProcessRunner`'s business: the runner's own user by default (tests, a local runner
without the sandbox), or a job's pool user with `ProcessRunner.for_box(box)` (docs/sandbox.md).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from runner.children import KILL_WAIT_SECONDS, StdoutReader, kill_group
from runner.drives.config import RemoteConfig
from runner.drives.errors import DriveSyncError
from runner.drives.health import Problem, classify, redact, timed_out

CONNECT_TIMEOUT = "15s"
IDLE_TIMEOUT = "60s"
LOW_LEVEL_RETRIES = "3"
STDOUT_LIMIT = 256 * 1024 * 1024  # a listing of a few hundred thousand files
MAX_ERRORS = 50


class Box(Protocol):
    """What `ProcessRunner.for_box` needs of a job's box (runner.sandbox.JobBox)."""

    def spawn_options(self) -> dict[str, Any]: ...

    def started(self, pid: int) -> None: ...


class ProcessRunner:
    """Starts rclone with `spawn_options` (uid, groups, umask) and tells `on_started` its pid."""

    def __init__(
        self, spawn_options: Mapping[str, Any] | None = None, on_started: Callable[[int], None] | None = None
    ) -> None:
        self.spawn_options = {**(spawn_options or {}), "start_new_session": True}
        self.on_started = on_started

    @classmethod
    def for_box(cls, box: Box) -> ProcessRunner:
        """rclone as the job's pool user, with the project's group: it reaches what the job reaches, no more."""
        return cls(box.spawn_options(), box.started)

    @property
    def owner(self) -> tuple[int, int] | None:
        """The uid and gid rclone runs as, when not the runner's own (its config folder is handed to them)."""
        user = self.spawn_options.get("user")
        return None if user is None else (int(user), int(self.spawn_options.get("group", -1)))

    def start(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603  # a fixed argument list, no shell
            list(argv), env=dict(env), cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **self.spawn_options,
        )  # fmt: skip
        if self.on_started is not None:
            self.on_started(process.pid)
        return process


@dataclass
class RcloneCall:
    returncode: int
    stdout: bytes
    copied: set[str] = field(default_factory=set)  # paths rclone logged as copied ("Copied (new)", "(replaced ...)")
    deleted: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)  # redacted

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Rclone:
    """Runs rclone against one written remote until `deadline` (a time.monotonic() value)."""

    def __init__(
        self, config: RemoteConfig, *, deadline: float, runner: ProcessRunner | None = None, rclone_bin: str = "rclone"
    ) -> None:
        self.config, self.deadline = config, deadline
        self.runner = runner or ProcessRunner()
        self.rclone_bin = rclone_bin
        self._lists = 0

    def argv(self, *args: str) -> list[str]:
        """The whole command line: no secret is ever on it (they are in the config file)."""
        folder = str(self.config.folder)
        return [
            self.rclone_bin, *args,
            "--config", str(self.config.path), "--cache-dir", folder,
            "--use-json-log", "-v", "--stats", "0", "--ask-password=false", "--skip-links",
            "--contimeout", CONNECT_TIMEOUT, "--timeout", IDLE_TIMEOUT,
            "--low-level-retries", LOW_LEVEL_RETRIES, "--retries", "1",
            *self.config.flags,
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        folder = str(self.config.folder)
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": folder, "XDG_CONFIG_HOME": folder,
                "XDG_CACHE_HOME": folder, "TMPDIR": folder, "LC_ALL": "C", "LANG": "C"}  # fmt: skip

    def files_from(self, paths: Sequence[str]) -> list[str]:
        """`--files-from-raw <file>` listing `paths` (one a line: names holding a newline never get here)."""
        self._lists += 1
        path = self.config.folder / f"files-{self._lists}.txt"
        path.write_text("".join(f"{item}\n" for item in paths), encoding="utf-8")
        if self.config.owner is not None:
            os.chown(path, *self.config.owner, follow_symlinks=False)
        return ["--files-from-raw", str(path)]

    def run(self, *args: str, check: bool = True) -> RcloneCall:
        """`rclone <args>`; a failure raises DriveSyncError with the classified problem unless check=False."""
        if time.monotonic() >= self.deadline:
            raise DriveSyncError(timed_out())
        process = self.runner.start(self.argv(*args), self.environment(), self.config.folder)
        out, log = StdoutReader(process, STDOUT_LIMIT, name="rclone-stdout"), _Log(process, self.config.secrets)
        timed_out_now = False
        while True:
            try:
                process.wait(timeout=max(0.0, min(0.5, self.deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if out.full.is_set() or time.monotonic() >= self.deadline:
                    timed_out_now = not out.full.is_set()
                    kill_group(process)
                    break
        out.thread.join(KILL_WAIT_SECONDS)
        log.thread.join(KILL_WAIT_SECONDS)
        if timed_out_now:
            raise DriveSyncError(timed_out())
        if out.full.is_set():
            raise DriveSyncError(Problem("failed", "The drive's listing is too large for one sync."))
        call = RcloneCall(process.returncode, bytes(out.data), log.copied, log.deleted, list(log.errors))
        if check and not call.ok:
            raise DriveSyncError(self.problem(call))
        return call

    def problem(self, call: RcloneCall) -> Problem:
        return classify(call.errors or [f"exit status {call.returncode}"], secrets=self.config.secrets)

    def list_json(self, *args: str) -> list[dict[str, Any]]:
        call = self.run("lsjson", *args)
        try:
            items = json.loads(call.stdout or b"[]")
        except ValueError:
            raise DriveSyncError(Problem("failed", "rclone's listing could not be read.")) from None
        return [item for item in items if isinstance(item, dict)]


class _Log:
    """rclone's JSON log, line by line: copied and deleted paths, and error messages (redacted, bounded)."""

    def __init__(self, process: subprocess.Popen[bytes], secrets: Sequence[str]) -> None:
        self.copied: set[str] = set()
        self.deleted: set[str] = set()
        self.errors: deque[str] = deque(maxlen=MAX_ERRORS)
        self._process, self._secrets = process, secrets
        self.thread = threading.Thread(target=self._read, name="rclone-log", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        stream = self._process.stderr
        assert isinstance(stream, io.BufferedReader)
        for raw in stream:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._record(line)

    def _record(self, line: str) -> None:
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):  # the plain last line of a failed command ("Failed to copy: ...")
            self.errors.append(redact(line[:2000], self._secrets))
            return
        message, path = str(entry.get("msg", "")), entry.get("object")
        if isinstance(path, str) and path and message.startswith("Copied"):
            self.copied.add(path)
        elif isinstance(path, str) and path and message == "Deleted":
            self.deleted.add(path)
        elif entry.get("level") in ("error", "critical"):
            self.errors.append(redact(message[:2000], self._secrets))
