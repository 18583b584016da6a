"""Start, stop and kill the real local stack (`python -m local.stack`) from tests and benchmarks."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests

from local.mailbox import READER_HEADER
from shared import aws
from shared.constants import Env
from shared.models.base import bind_models
from shared.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT_SECONDS = 90
# The administrator every test stack gets (the first account); tests that need the first-run screen use a fresh stack.
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "correct horse battery staple"  # a test account on a throwaway stack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Any, *, timeout: float, interval: float = 0.05, what: str = "the condition") -> Any:
    """Poll `condition` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class LocalStack:
    def __init__(self, data_dir: Path, *, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def sandbox_dir(self) -> Path:
        """The runner's sandbox (job workspaces and homes): outside the data folder, per data folder, in /tmp."""
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"studio-sandbox-{digest}"

    def admin_token(self) -> str:
        """A session token of the stack's administrator, registering it on a fresh stack."""
        api = f"{self.base_url}/api/auth"
        credentials = {"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}
        if requests.get(f"{api}/status", timeout=10).json()["needsSetup"]:
            response = requests.post(f"{api}/register", json=credentials, timeout=30)
        else:
            response = requests.post(f"{api}/login", json=credentials, timeout=30)
        response.raise_for_status()
        return str(response.json()["token"])

    def authed_ws_url(self) -> str:
        return f"{self.ws_url}?token={self.admin_token()}"

    def start(self) -> LocalStack:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDIO_", "AWS_", "POWERTOOLS_"))}
        env[Env.SANDBOX_DIR] = str(self.sandbox_dir)
        env.update(self.extra_env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "stack.out", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.stack", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(self._healthy, timeout=START_TIMEOUT_SECONDS, what=f"the local stack on port {self.port}")
        return self

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the local stack exited with {self.process.returncode}:\n{self.output()}")
        try:
            return requests.get(f"{self.base_url}/api/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def output(self) -> str:
        path = self.data_dir / "stack.out"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def info(self) -> dict[str, Any]:
        return json.loads((self.data_dir / "stack.json").read_text())

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.info()['motoPort']}"

    def secrets(self) -> dict[str, str]:
        """The stack's generated secrets (the data folder is its user's alone; the tests run as that user)."""
        return dict(json.loads((self.data_dir / "secrets.json").read_text()))

    def credentials(self) -> dict[str, str]:
        """The key pair the local AWS endpoint and @connections accept, as boto3 client arguments."""
        secrets = self.secrets()
        return {
            "aws_access_key_id": secrets["aws_access_key_id"],
            "aws_secret_access_key": secrets["aws_secret_access_key"],
        }

    def mail_headers(self) -> dict[str, str]:
        """What a reader of the local mailbox (GET /_local/mail) must present."""
        return {READER_HEADER: self.secrets()["local_token"]}

    def client(self, service: str, **options: Any) -> Any:
        return boto3.client(
            service, endpoint_url=self.aws_endpoint, region_name="us-east-1", **self.credentials(), **options
        )

    def persistence(self) -> dict[str, Any]:
        return dict(requests.get(f"{self.aws_endpoint}/_studio/persistence", timeout=5).json())

    def wait_saved(self) -> None:
        """Wait until every change made so far is in the snapshot on disk."""
        target = self.persistence()["generation"]
        wait_until(lambda: self.persistence()["savedGeneration"] >= target, timeout=10, what="the snapshot")

    def stop(self, timeout: float = 60) -> int:
        """Ctrl-C: the clean shutdown path; the runner's sandbox (a cache of S3) goes with it."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=timeout)
        shutil.rmtree(self.sandbox_dir, ignore_errors=True)
        return code

    def kill(self) -> None:
        """kill -9 the supervisor; its children must die with it."""
        assert self.process is not None
        children = list(self.info().get("children", {}).values())
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_until(lambda: not any(process_alive(pid) for pid in children), timeout=10, what="the children to die")


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return False


@contextmanager
def bound_to(stack: LocalStack) -> Iterator[Settings]:
    """Point this process's settings and models at a running local stack, for the duration of a block."""
    saved = dict(os.environ)
    credentials = stack.credentials()
    os.environ.update(
        {
            Env.AWS_ENDPOINT_URL: stack.aws_endpoint,
            Env.JOBS_QUEUE_URL: f"{stack.aws_endpoint}/123456789012/jobs.fifo",
            Env.WS_ENDPOINT: stack.base_url,
            Env.TABLE_PREFIX: "studio-",
            "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    try:
        get_settings.cache_clear()
        aws.reset_clients()
        settings = get_settings()
        bind_models(settings)
        yield settings
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        aws.reset_clients()
        bind_models(get_settings())
