"""A Git smart-HTTP server for tests: bare repositories behind HTTP basic auth, served by the real git-http-backend.

    with GitServer(tmp_path / "remotes") as server:
        server.create("team.git")                    # a bare repository, default branch main, pushes allowed
        url = server.url("team.git")                 # http://127.0.0.1:PORT/team.git
        server.commit("team.git", {"a.md": "x"})     # someone else pushes (the git CLI, a throwaway clone)
        server.reject_pushes("team.git", "policy: no pushes on Fridays")   # a pre-receive hook that refuses
        server.requests                              # [(method, path, authorized), ...]

A small ThreadingHTTPServer on 127.0.0.1 and a free port checks the credentials (a wrong or missing one is answered
401 with `WWW-Authenticate: Basic`), then runs `git-http-backend` as a CGI program: the request body (chunked or
not) goes in whole, `Content-Encoding: gzip` is passed through (the backend inflates it), and the program's CGI
headers (`Status:` included) become the HTTP answer. Every wait is bounded.
"""

from __future__ import annotations

import base64
import hmac
import os
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

HTTP_BACKEND = Path("/usr/lib/git-core/git-http-backend")
CGI_TIMEOUT_SECONDS = 60  # one upload-pack or receive-pack run
SOCKET_TIMEOUT_SECONDS = 30  # an idle or stalled connection is dropped after this
GIT_TIMEOUT_SECONDS = 60  # the helpers' own git commands
MAX_BODY_BYTES = 256 * 1024 * 1024
SOMEONE_ELSE = ("Someone Else", "someone@example.com")


class GitRequest(NamedTuple):
    method: str
    path: str  # the path and query, as sent
    authorized: bool


class GitServer:
    """Bare repositories under `root`, served over smart HTTP with basic auth; a context manager."""

    def __init__(self, root: Path, username: str = "alice", password: str = "s3cret-token") -> None:
        self.root = Path(root)
        self.username = username
        self.password = password
        self._requests: list[GitRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _bound_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="git-server", daemon=True)

    def __enter__(self) -> GitServer:
        self.root.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- addresses and records ------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    @property
    def requests(self) -> list[GitRequest]:
        with self._lock:
            return list(self._requests)

    def authorization(self, username: str | None = None, password: str | None = None) -> str:
        """The `Authorization` header value for these credentials (the server's own by default)."""
        pair = f"{username or self.username}:{password if password is not None else self.password}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    # --- repositories ---------------------------------------------------------------------------------------------

    def path(self, name: str) -> Path:
        return self.root / name

    def create(self, name: str, *, branch: str = "main") -> Path:
        """A new, empty bare repository whose default branch is `branch`, accepting pushes over HTTP."""
        path = self.path(name)
        _git("init", "--quiet", "--bare", f"--initial-branch={branch}", str(path))
        _git("--git-dir", str(path), "config", "http.receivepack", "true")
        return path

    def reject_pushes(self, name: str, message: str) -> None:
        """Install a pre-receive hook that refuses every push, printing `message` (the client sees "remote: …")."""
        hook = self.path(name) / "hooks" / "pre-receive"
        hook.parent.mkdir(parents=True, exist_ok=True)
        quoted = message.replace("'", "'\\''")
        hook.write_text(f"#!/bin/sh\ncat >/dev/null\necho '{quoted}' >&2\nexit 1\n")
        hook.chmod(0o755)

    def accept_pushes(self, name: str) -> None:
        (self.path(name) / "hooks" / "pre-receive").unlink(missing_ok=True)

    def git(self, name: str, *args: str) -> str:
        """Run git on the bare repository `name`; its standard output."""
        return _git("--git-dir", str(self.path(name)), *args)

    def log(self, name: str, ref: str = "main", fmt: str = "%H %an <%ae> %s") -> list[str]:
        """One line per commit of `ref`, newest first ([] for an empty repository)."""
        if not self.has_ref(name, ref):
            return []
        return self.git(name, "log", f"--format={fmt}", ref).splitlines()

    def has_ref(self, name: str, ref: str = "main") -> bool:
        probe = subprocess.run(
            ["git", "--git-dir", str(self.path(name)), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            env=_git_env(),
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
        return probe.returncode == 0

    def read(self, name: str, path: str, ref: str = "main") -> str:
        """A file's content at `ref` in the bare repository."""
        return self.git(name, "show", f"{ref}:{path}")

    def commit(
        self,
        name: str,
        files: Mapping[str, str],
        message: str = "Someone else's change",
        *,
        author: tuple[str, str] = SOMEONE_ELSE,
        branch: str = "main",
    ) -> str:
        """Someone else's push: clone over HTTP with the credentials, write `files`, commit, push; the new sha."""
        with tempfile.TemporaryDirectory(prefix="git-server-clone-") as scratch:
            work = Path(scratch) / "work"
            self.client("clone", "--quiet", self.url(name), str(work))
            if self.has_ref(name, branch):
                _git("-C", str(work), "checkout", "--quiet", branch)
            elif self.git(name, "for-each-ref", "refs/heads/").strip():  # a new branch, from the default one
                _git("-C", str(work), "checkout", "--quiet", "-b", branch)
            else:  # an empty repository: the first commit starts `branch`
                _git("-C", str(work), "symbolic-ref", "HEAD", f"refs/heads/{branch}")
            for relative, content in files.items():
                target = work / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
            _git("-C", str(work), "add", "--all")
            who = ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"]
            _git("-C", str(work), *who, "commit", "--quiet", "-m", message)
            self.client("-C", str(work), "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
            return _git("-C", str(work), "rev-parse", "HEAD").strip()

    def client(self, *args: str, username: str | None = None, password: str | None = None) -> str:
        """The git CLI as an authorized client of this server (the header as `http.extraHeader`)."""
        header = f"http.extraHeader=Authorization: {self.authorization(username, password)}"
        return _git("-c", header, *args)

    # --- serving --------------------------------------------------------------------------------------------------

    def _record(self, request: GitRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header.removeprefix("Basic ").strip(), validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(given, f"{self.username}:{self.password}".encode())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_SECONDS
    server_ref: GitServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: `GitServer.requests` is the log."""

    def _serve(self) -> None:
        git = self.server_ref
        authorized = git._authorized(self.headers.get("Authorization"))
        git._record(GitRequest(self.command, self.path, authorized))
        try:
            body = self._read_body()
        except ValueError as exc:
            self._plain(400, f"bad request body: {exc}\n")
            return
        if not authorized:
            self._plain(401, "authentication required\n", {"WWW-Authenticate": 'Basic realm="git"'})
            return
        status, headers, payload = self._cgi(body)
        self._plain(status, payload, headers)

    do_GET = do_POST = _serve  # noqa: N815 - http.server dispatches on these names

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("too large")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise ValueError("truncated chunk size")
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY_BYTES:
                raise ValueError("too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after the chunk
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):  # trailers, up to the blank line
            pass
        return b"".join(parts)

    def _cgi(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        git = self.server_ref
        url = urlsplit(self.path)
        env = {
            **_git_env(),
            "GIT_PROJECT_ROOT": str(git.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(git.port),
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_USER": git.username,
            "AUTH_TYPE": "Basic",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
        }
        for header, variable in (("Content-Encoding", "HTTP_CONTENT_ENCODING"), ("Git-Protocol", "HTTP_GIT_PROTOCOL")):
            if self.headers.get(header):
                env[variable] = self.headers[header]
        try:
            done = subprocess.run(
                [str(HTTP_BACKEND)], input=body, capture_output=True, env=env, timeout=CGI_TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            return 504, {}, b"git-http-backend timed out\n"
        return _parse_cgi(done.stdout, done.stderr)

    def _plain(self, status: int, payload: bytes | str, headers: Mapping[str, str] | None = None) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _parse_cgi(stdout: bytes, stderr: bytes) -> tuple[int, dict[str, str], bytes]:
    """A CGI program's output as (status, headers, body); no header block at all is a 502."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = stdout.partition(separator)
        if found:
            break
    else:
        return 502, {}, b"git-http-backend gave no headers: " + stderr[-2000:]
    status, headers = 200, {}
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "status":
            status = int(value.strip().split()[0])
        elif name.strip():
            headers[name.strip()] = value.strip()
    return status, headers, rest


def _bound_handler(server: GitServer) -> type[_Handler]:
    return type("BoundGitHandler", (_Handler,), {"server_ref": server})


def _git_env() -> dict[str, str]:
    """No user or system configuration, no terminal prompts, nothing inherited that points at another repository."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": tempfile.gettempdir(),
        "LANG": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
    }


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], capture_output=True, text=True, env=_git_env(), timeout=GIT_TIMEOUT_SECONDS, check=False
    )
    if done.returncode != 0:
        raise GitError(args, done.returncode, done.stderr)
    return done.stdout


class GitError(AssertionError):
    """A git command of the test support failed; carries its stderr."""

    def __init__(self, args: tuple[str, ...], code: int, stderr: str) -> None:
        shown = " ".join(arg if not arg.startswith("http.extraHeader=") else "http.extraHeader=…" for arg in args)
        super().__init__(f"git {shown} exited {code}: {stderr.strip()}")
        self.code = code
        self.stderr = stderr


__all__ = ["GitError", "GitRequest", "GitServer"]
