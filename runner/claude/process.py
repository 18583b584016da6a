"""One Claude Code CLI process in stream-json mode, in its own process group, as the job's sandbox user.

    claude -p --input-format stream-json --output-format stream-json --verbose --include-partial-messages
           --permission-prompt-tool stdio --permission-mode <mode> --append-system-prompt <prompt>
           --setting-sources user --add-dir <files> --plugin-dir <plugin> --strict-mcp-config [--resume <id>]

User messages and control responses go in on stdin as JSON lines; every output line is a JSON object
(docs/claude-cli.md). Permission prompts arrive as `control_request` lines with subtype `can_use_tool`.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.claude.config import cli_arguments
from runner.context import TERMINATE_GRACE_SECONDS
from runner.sandbox import JobBox

STDERR_LIMIT = 64 * 1024
_END = object()


class ClaudeProcess:
    def __init__(
        self,
        *,
        claude_bin: str,
        box: JobBox,
        env: Mapping[str, str],
        permission_mode: str,
        system_prompt: str,
        resume: str | None = None,
        model: str | None = None,
    ) -> None:
        self.command = [
            claude_bin,
            "-p",
            "--input-format", "stream-json",
            "--output-format", "stream-json",
            "--verbose",
            "--include-partial-messages",
            "--permission-prompt-tool", "stdio",
            "--permission-mode", permission_mode,
            "--append-system-prompt", system_prompt,
            *cli_arguments(box),
        ]  # fmt: skip
        if resume:
            self.command += ["--resume", resume]
        if model:
            self.command += ["--model", model]
        self.box, self.cwd, self.env = box, box.files, dict(env)
        self.process: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[Any] = queue.Queue()
        self._stderr = bytearray()
        self._control = 0

    def start(self) -> ClaudeProcess:
        self.process = subprocess.Popen(  # noqa: S603  # a fixed argument list, no shell
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # Its own session and process group (abort and timeout kill the group), and in the sandbox the
            # job's uid, groups and umask (whatever escapes the group dies with the uid at the end of the job).
            **self.box.spawn_options(),
        )
        self.box.started(self.process.pid)
        threading.Thread(target=self._read_stdout, name="claude-stdout", daemon=True).start()
        threading.Thread(target=self._read_stderr, name="claude-stderr", daemon=True).start()
        return self

    def _read_stdout(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                line = {"type": "_unparsed", "text": raw.decode(errors="replace")[:2000]}
            self._lines.put(line)
        self._lines.put(_END)

    def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for raw in self.process.stderr:
            if len(self._stderr) < STDERR_LIMIT:
                self._stderr.extend(raw)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def resident_bytes(self) -> int:
        """The resident memory of the process and its children (0 once it has exited)."""
        if not self.alive:
            return 0
        assert self.process is not None
        return resident_bytes(self.process.pid)

    @property
    def stderr(self) -> str:
        return self._stderr.decode(errors="replace")

    def next_line(self, timeout: float) -> dict[str, Any] | None:
        """The next output line; None when none arrived within `timeout`. Raises EOFError at the end."""
        try:
            line = self._lines.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        if line is _END:
            raise EOFError
        return dict(line)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # the process is ending; its exit status tells what happened

    def send_user_message(self, text: str) -> None:
        self._send({"type": "user", "message": {"role": "user", "content": text}})

    def allow(self, request_id: str, tool_input: dict[str, Any]) -> None:
        self._respond(request_id, {"behavior": "allow", "updatedInput": tool_input})

    def deny(self, request_id: str, message: str) -> None:
        self._respond(request_id, {"behavior": "deny", "message": message})

    def _respond(self, request_id: str, decision: dict[str, Any]) -> None:
        response = {"subtype": "success", "request_id": request_id, "response": decision}
        self._send({"type": "control_response", "response": response})

    def interrupt(self) -> None:
        """Ask the CLI to stop the turn (it answers with an aborted result and stays usable)."""
        self._control += 1
        self._send(
            {"type": "control_request", "request_id": f"interrupt-{self._control}", "request": {"subtype": "interrupt"}}
        )

    def close_input(self) -> None:
        if self.process is not None and self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def wait(self, timeout: float) -> int | None:
        assert self.process is not None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGTERM the process group, then SIGKILL what is left."""
        if self.process is None or self.process.poll() is not None:
            return
        for signum, grace in ((signal.SIGTERM, TERMINATE_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                return
            if self.wait(grace) is not None:
                return


def resident_bytes(pid: int) -> int:
    """VmRSS of `pid` and of its direct children, from /proc (0 for what has gone)."""
    total = 0
    for member in (pid, *_children(pid)):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []
