"""One git command, locked down: no configuration but ours, no hooks, no prompts, a deadline, bounded output.

The repository (GIT_DIR) sits outside the work tree in a folder only the runner reads, so nothing a chat's
commands write (a `.git` folder, hooks, `core.fsmonitor`) can make the runner's git run code. The work tree is
the project's files; links in it are never checked out as links (core.symlinks=false) and never followed.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from runner.children import KILL_WAIT_SECONDS, StdoutReader, kill_group
from shared.git.errors import GitError

STDERR_LIMIT = 64 * 1024
_PROGRESS = re.compile(r"^(?:remote: )?([A-Za-z][A-Za-z ]{2,40}):\s+(\d{1,3})%")

# Every run: nothing from the system or a user's configuration, nothing that runs a program, nothing that asks.
BASE_CONFIG: dict[str, str] = {
    "core.hooksPath": "/dev/null",
    "core.symlinks": "false",
    "core.fsmonitor": "false",
    "core.quotePath": "false",
    "core.autocrlf": "false",
    "core.untrackedCache": "false",
    "credential.helper": "",
    "protocol.allow": "never",
    "protocol.https.allow": "always",
    "http.followRedirects": "false",
    "http.lowSpeedLimit": "1000",
    "http.lowSpeedTime": "30",
    "transfer.fsckObjects": "true",
    "submodule.recurse": "false",
    "fetch.recurseSubmodules": "false",
    "commit.gpgSign": "false",
    "tag.gpgSign": "false",
    "gc.auto": "0",  # housekeeping packs when it decides (Repository.housekeeping), never in the background
    "maintenance.auto": "false",
    "merge.conflictStyle": "merge",
    "pull.rebase": "false",
    "init.defaultBranch": "main",
    "advice.detachedHead": "false",
    "safe.directory": "*",
}


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class GitCall:
    returncode: int
    stdout: bytes
    stderr: str
    truncated: bool  # stdout reached its limit and the process was stopped

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


Progress = Callable[[str, int | None], None]


class Git:
    """Runs git on one repository and work tree until `deadline` (a time.monotonic() value)."""

    def __init__(
        self,
        git_dir: Path,
        work_tree: Path,
        *,
        home: Path,
        deadline: float,
        allow_http: bool = False,
        author: Author | None = None,
        git_bin: str = "git",
    ) -> None:
        self.git_dir, self.work_tree, self.home = git_dir, work_tree, home
        self.deadline, self.author, self.git_bin = deadline, author, git_bin
        self.config = dict(BASE_CONFIG)
        if allow_http:
            self.config["protocol.http.allow"] = "always"

    def environment(self, config: Mapping[str, str] = {}) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home),
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(self.work_tree),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "SSH_ASKPASS": "/bin/false",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_LITERAL_PATHSPECS": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "LC_ALL": "C",
            "LANG": "C",
        }
        if self.author is not None:
            env |= {
                "GIT_AUTHOR_NAME": self.author.name,
                "GIT_AUTHOR_EMAIL": self.author.email,
                "GIT_COMMITTER_NAME": self.author.name,
                "GIT_COMMITTER_EMAIL": self.author.email,
            }
        # Configuration through the environment: never on a command line (`ps`) or in a file.
        settings = {**self.config, **config}
        env["GIT_CONFIG_COUNT"] = str(len(settings))
        for index, (key, value) in enumerate(settings.items()):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        return env

    def run(
        self,
        *args: str,
        input_bytes: bytes | None = None,
        check: bool = True,
        limit: int | None = None,
        progress: Progress | None = None,
        config: Mapping[str, str] = {},
        ok_codes: Sequence[int] = (0,),
    ) -> GitCall:
        """`git <args>` in the work tree; a failure (exit code not in `ok_codes`) raises unless check=False."""
        if time.monotonic() >= self.deadline:
            raise GitError("git_failed", "The Git operation ran out of time.")
        process = subprocess.Popen(  # noqa: S603  # a fixed argument list, no shell
            [self.git_bin, *args],
            cwd=self.work_tree,
            env=self.environment(config),
            stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        out = StdoutReader(process, limit, name="git-stdout")
        err = _ErrReader(process, progress)
        if input_bytes is not None:
            assert process.stdin is not None
            try:
                process.stdin.write(input_bytes)
                process.stdin.close()
            except BrokenPipeError:
                pass
        timed_out = False
        while True:
            try:
                process.wait(timeout=max(0.0, min(0.5, self.deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if out.full.is_set():
                    kill_group(process)
                    break
                if time.monotonic() >= self.deadline:
                    timed_out = True
                    kill_group(process)
                    break
        out.thread.join(KILL_WAIT_SECONDS)
        err.thread.join(KILL_WAIT_SECONDS)
        call = GitCall(
            process.returncode, bytes(out.data[:limit] if limit else out.data), err.text(), out.full.is_set()
        )
        if timed_out:
            raise GitError("git_failed", "The Git operation took longer than its time and was stopped.",
                           {"timedOut": True})  # fmt: skip
        if check and not call.truncated and call.returncode not in ok_codes:
            raise GitError("git_failed", f"git {args[0]} failed: {last_line(call.stderr)}")
        return call


def last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


class _ErrReader:
    """stderr, bounded, and git's progress lines ("Writing objects:  45% (9/20)") handed to `progress`."""

    def __init__(self, process: subprocess.Popen[bytes], progress: Progress | None) -> None:
        self.data = bytearray()
        self._process, self._progress = process, progress
        self.thread = threading.Thread(target=self._read, name="git-stderr", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        stream = self._process.stderr
        assert isinstance(stream, io.BufferedReader)
        pending = b""
        while chunk := stream.read1(4096):
            if len(self.data) < STDERR_LIMIT:
                self.data += chunk[: STDERR_LIMIT - len(self.data)]
            if self._progress is None:
                continue
            pending += chunk
            *lines, pending = re.split(rb"[\r\n]", pending)
            for line in lines:
                match = _PROGRESS.match(line.decode("utf-8", "replace").strip())
                if match:
                    self._progress(match.group(1).strip(), min(100, int(match.group(2))))

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")
