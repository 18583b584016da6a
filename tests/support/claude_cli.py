"""Driving the real Claude Code CLI line by line, for the contract tests (tests/integration)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLAUDE = ROOT / "runner" / "node_modules" / ".bin" / "claude"
STREAM_JSON = ["--output-format", "stream-json", "--verbose", "--include-partial-messages"]
KEEP_ALIVE = ["-p", "--input-format", "stream-json", *STREAM_JSON]
WAIT_SECONDS = 20.0  # the bound on any single wait for the CLI; a healthy run answers in about one second


@dataclass(frozen=True)
class Line:
    at: float  # time.monotonic() when the line was read from stdout
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.data.get("type"))

    @property
    def event(self) -> dict[str, Any]:
        return self.data.get("event", {}) if self.type == "stream_event" else {}


class Claude:
    """A running `claude` in its own process group, its stdout read line by line as it arrives.

    Stdin is a pipe only with `--input-format stream-json`: given an open pipe, `-p "<prompt>"` waits about 3 s
    for more prompt text on stdin before it calls the API.
    """

    def __init__(self, args: list[str], *, env: dict[str, str], cwd: Path, prefix: Sequence[str] = ()) -> None:
        self.process = subprocess.Popen(
            [*prefix, str(CLAUDE), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if "--input-format" in args else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.lines: list[Line] = []
        self._queue: queue.Queue[Line | None] = queue.Queue()
        self._stderr = bytearray()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self._queue.put(Line(time.monotonic(), json.loads(raw)))
        self._queue.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self._stderr.extend(raw)

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def read_until(self, condition: Callable[[Line], bool], *, timeout: float = WAIT_SECONDS) -> list[Line]:
        """The lines up to and including the first that meets `condition`."""
        deadline, start = time.monotonic() + timeout, len(self.lines)
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no matching line within {timeout} s; got {self.lines[start:]}") from None
            if line is None:
                raise AssertionError(f"stdout closed before a matching line; got {self.lines[start:]}")
            self.lines.append(line)
            if condition(line):
                return self.lines[start:]

    def finish(self, *, timeout: float = WAIT_SECONDS) -> int:
        """Wait for the exit (stdin closed) and collect the remaining lines."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        code = self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=timeout)) is not None:
            self.lines.append(line)
        return code

    @property
    def stderr(self) -> str:
        return self._stderr.decode(errors="replace")

    def signal_group(self, signum: int) -> None:
        os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.signal_group(signal.SIGKILL)
            self.process.wait(timeout=5)


def run(start: Callable[..., Claude], *args: str, **options: Any) -> tuple[int, list[Line], str]:
    """Start the CLI with `options` (environment variables, or what the starter takes) and wait for its end."""
    process = start(*args, **options)
    code = process.finish()
    return code, process.lines, process.stderr


def of_type(lines: list[Line], kind: str, subtype: str | None = None) -> list[dict[str, Any]]:
    return [line.data for line in lines if line.type == kind and subtype in (None, line.data.get("subtype"))]


def text_deltas(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line.event.get("type") == "content_block_delta" and "text" in line.event["delta"]]


def init_of(lines: list[Line]) -> dict[str, Any]:
    """The turn's system/init line (a `ui_invalidate` line may come first when managed settings are installed)."""
    return next(line.data for line in lines if line.type == "system" and line.data.get("subtype") == "init")


def is_result(line: Line) -> bool:
    return line.type == "result"


def user(text: str) -> dict[str, Any]:
    return {"type": "user", "message": {"role": "user", "content": text}}
