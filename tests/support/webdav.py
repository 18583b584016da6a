"""A WebDAV drive for tests: the real `rclone serve webdav` of a folder, on 127.0.0.1 and a free port, with a password.

    with WebDavServer(tmp_path / "drive") as server:
        (server.root / "a.txt").write_text("x")     # what is on the drive: plain files in `root`
        server.url                                  # http://127.0.0.1:PORT/
        server.stop()                               # the drive becomes unreachable (connection refused)

The server keeps no directory cache (`--dir-cache-time 0s`), so files written straight into `root` show at once
(a benchmark that fills `root` before starting may pass a longer time: listings then cost the server less).
It reads no rclone configuration of the machine. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_SECONDS = 10.0
STOP_SECONDS = 5.0


class WebDavServer:
    def __init__(
        self, root: Path, username: str = "alice", password: str = "dav-s3cret#1", *, dir_cache_time: str = "0s"
    ) -> None:
        self.root = Path(root)
        self.dir_cache_time = dir_cache_time
        self.username, self.password = username, password
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._home = tempfile.TemporaryDirectory(prefix="webdav-home-")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> WebDavServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._home.cleanup()

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port()  # a restart keeps the address, as a real server would
        home = self._home.name
        log = Path(home) / "serve.log"
        with log.open("ab") as sink:  # the child keeps its own descriptor
            self._process = subprocess.Popen(
                ["rclone", "serve", "webdav", str(self.root), "--addr", f"127.0.0.1:{self.port}",
                 "--user", self.username, "--pass", self.password, "--dir-cache-time", self.dir_cache_time,
                 "--config", os.path.join(home, "none.conf")],
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "XDG_CONFIG_HOME": home},
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"rclone serve webdav exited: {log.read_text(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"rclone serve webdav did not listen on port {self.port} within {START_SECONDS} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
