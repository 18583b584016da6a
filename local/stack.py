"""`make run`: the whole product on one machine, no AWS account.

    moto server (DynamoDB, S3, SQS, KMS; durable)   ← child process
    gateway: SPA, /api, /ws, @connections           ← this process (uvicorn)
    tick: the scheduler Lambda once a minute         ← this process (thread)
    ingest: S3 upload events → the ingest Lambda     ← this process (thread)
    runner: the SQS consumer                         ← child process, restarted if it dies

Children die with this process, even on kill -9 (PR_SET_PDEATHSIG); Ctrl-C stops everything cleanly.
The data folder is its user's alone (local/data_folder.py).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.data_folder import local_secrets, open_private, private_folder, write_private
from shared.constants import LOCAL_UPLOAD_EVENTS_VISIBILITY_TIMEOUT_SECONDS, Env

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1
# The ingest loop's long poll: short enough that a stop is noticed promptly.
UPLOAD_EVENTS_WAIT_SECONDS = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it when the supervisor dies, even by SIGKILL."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def local_environment(data_dir: Path, port: int, moto_port: int) -> dict[str, str]:
    keys = local_secrets(data_dir)
    return {
        Env.MODE: "local",
        Env.STAGE: "local",
        Env.DATA_DIR: str(data_dir),
        Env.PORT: str(port),
        Env.REGION: "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
        Env.AWS_ENDPOINT_URL: f"http://127.0.0.1:{moto_port}",
        Env.WS_ENDPOINT: f"http://127.0.0.1:{port}",
        Env.JWT_SECRET: keys["jwt_secret"],
        # Email goes to the gateway's Postmark-compatible endpoint, which records it (GET /_local/mail).
        Env.POSTMARK_TOKEN: keys["postmark_token"],
        Env.POSTMARK_API_URL: f"http://127.0.0.1:{port}",
        Env.PUBLIC_URL: f"http://127.0.0.1:{port}",
        "POWERTOOLS_DEV": os.environ.get("POWERTOOLS_DEV", "false"),
        # The pinned Claude Code CLI (runner/package.json), unless the environment names another.
        Env.CLAUDE_BIN: os.environ.get(Env.CLAUDE_BIN) or str(ROOT / "runner" / "node_modules" / ".bin" / "claude"),
    }


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


class Stack:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.stopping = threading.Event()
        self.children: list[Child] = []
        self.logs = private_folder(data_dir / "logs")
        self.info: dict[str, Any] = {"port": port, "pid": os.getpid(), "startedAt": time.time()}

    def write_info(self, **extra: Any) -> None:
        """stack.json: ports and process ids, for tools and tests (removed on a clean stop)."""
        self.info.update(extra)
        self.info["children"] = {child.name: child.process.pid for child in self.children if child.process}
        write_private(self.data_dir / "stack.json", json.dumps(self.info))

    def start_aws(self, env: dict[str, str], moto_port: int) -> Child:
        moto = Child(
            "moto",
            [
                sys.executable,
                "-m",
                "local.moto_server",
                "--port",
                str(moto_port),
                "--state-dir",
                str(self.data_dir / "aws"),
            ],
            env,
            self.logs / "aws.log",
        )
        moto.start()
        self.children.append(moto)
        wait_for(f"http://127.0.0.1:{moto_port}/_studio/persistence", 30, "The local AWS (moto)")
        return moto

    def start_runner(self, env: dict[str, str]) -> Child:
        runner = Child("runner", [sys.executable, "-m", "runner"], env, self.logs / "runner.log")
        runner.start()
        self.children.append(runner)
        return runner

    def supervise(self, moto: Child, runner: Child) -> None:
        """Restart the runner if it dies; stop everything if the local AWS dies (nothing works without it)."""
        backoff = 1.0
        while not self.stopping.wait(1):
            if not moto.alive():
                print("[stack] the local AWS stopped unexpectedly; see logs/aws.log", flush=True)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            if not runner.alive():
                print(f"[stack] the runner stopped; restarting in {backoff:.0f} s", flush=True)
                if self.stopping.wait(backoff):
                    return
                from runner.recovery import requeue_unfinished
                from shared.settings import get_settings

                requeue_unfinished(get_settings())  # the jobs it held are closed or rerun, not left running
                runner.start()
                self.write_info()
                backoff = min(backoff * 2, 30)

    def tick_loop(self) -> None:
        """Invoke the tick Lambda at the start of every interval, like EventBridge Scheduler's rate(1 minute)."""
        from local.lambda_events import LambdaContext, scheduler_event

        interval = int(os.environ.get(Env.TICK_INTERVAL_SECONDS) or 60)
        while not self.stopping.wait(interval - (time.time() % interval)):
            try:
                from functions.tick.handler import handler

                handler(scheduler_event(), LambdaContext("tick"))
            except Exception as exc:  # the next tick tries again; a failure must not stop the clock
                print(f"[stack] tick failed: {exc!r}", flush=True)

    def ingest_loop(self, queue_url: str) -> None:
        """Invoke the ingest Lambda for each S3 upload event, as the bucket notification does in the cloud.

        A message is deleted once the function succeeded; after a failure it stays, becomes visible again
        after the queue's visibility timeout and is retried, and goes to the DLQ after the last attempt.
        """
        from shared import aws

        sqs = aws.client("sqs")
        while not self.stopping.is_set():
            try:
                received = sqs.receive_message(
                    QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=UPLOAD_EVENTS_WAIT_SECONDS
                )
            except Exception as exc:  # the local AWS restarting or stopping; try again shortly
                print(f"[stack] upload events unavailable: {exc!r}", flush=True)
                self.stopping.wait(1)
                continue
            for message in received.get("Messages", []):
                if self._ingest(message):
                    with contextlib.suppress(Exception):  # not deleted: redelivered, and the ingest is idempotent
                        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    @staticmethod
    def _ingest(message: MessageTypeDef) -> bool:
        """Run the ingest function on one S3 event; True when the message is done with."""
        from local.lambda_events import LambdaContext

        try:
            event = json.loads(message["Body"])
            if event.get("Event") == "s3:TestEvent":  # S3 sends one when the notification is configured
                return True
            from functions.ingest.handler import handler

            handler(event, LambdaContext("ingest", timeout_seconds=LOCAL_UPLOAD_EVENTS_VISIBILITY_TIMEOUT_SECONDS))
        except Exception as exc:  # left in the queue: retried after its visibility timeout, then the DLQ
            print(f"[stack] ingest failed (will be retried): {exc!r}", flush=True)
            return False
        return True

    def stop_children(self) -> None:
        self.stopping.set()
        for child in reversed(self.children):
            child.stop(timeout=20 if child.name == "runner" else 10)


def _lock_data_dir(data_dir: Path) -> Any:
    handle = open_private(data_dir / "stack.lock")  # held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"Another local stack is already using {data_dir}; stop it first.") from None
    return handle


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Sasha Studio locally.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8080))
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get(Env.DATA_DIR) or ".studio"))
    args = parser.parse_args()
    data_dir = private_folder(args.data_dir.resolve())
    lock = _lock_data_dir(data_dir)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # a clean stop, like Ctrl-C (children are stopped below)

    moto_port = free_port()
    env = {**os.environ, **local_environment(data_dir, args.port, moto_port)}
    os.environ.update(env)  # before anything reads settings
    stack = Stack(data_dir, args.port)
    moto = stack.start_aws(env, moto_port)
    try:
        from local.bootstrap import ensure_resources
        from runner.recovery import requeue_unfinished
        from shared.settings import get_settings

        resources = ensure_resources(get_settings())
        env[Env.JOBS_QUEUE_URL] = os.environ[Env.JOBS_QUEUE_URL] = resources["jobs_queue_url"]
        env[Env.KMS_KEY_ID] = os.environ[Env.KMS_KEY_ID] = resources["kms_key_id"]
        get_settings.cache_clear()
        recovered = requeue_unfinished(get_settings())
        runner = stack.start_runner(env)
        threading.Thread(target=stack.supervise, args=(moto, runner), daemon=True).start()
        threading.Thread(target=stack.tick_loop, name="tick", daemon=True).start()
        upload_events = resources["upload_events_queue_url"]
        threading.Thread(target=stack.ingest_loop, args=(upload_events,), name="ingest", daemon=True).start()
        serve_gateway(stack, moto_port, recovered)
    finally:
        stack.stop_children()
        (data_dir / "stack.json").unlink(missing_ok=True)
        lock.close()
        print("[stack] stopped", flush=True)


def serve_gateway(stack: Stack, moto_port: int, recovered: int) -> None:
    import uvicorn

    from local.gateway import Gateway, Handlers
    from local.mailbox import Mailbox

    keys = local_secrets(stack.data_dir)
    gateway = Gateway(
        web_dir=ROOT / "web",
        handlers=Handlers.load(),
        credentials={keys["aws_access_key_id"]: keys["aws_secret_access_key"]},
        mailbox=Mailbox(stack.data_dir / "mail", keys["postmark_token"], keys["local_token"]),
    )
    config = uvicorn.Config(
        gateway.app(), host="127.0.0.1", port=stack.port, log_level="warning", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    stack.write_info(motoPort=moto_port)
    print(
        f"[stack] Sasha Studio is running at http://127.0.0.1:{stack.port}  (data: {stack.data_dir}; "
        f"{recovered} unfinished job(s) requeued; Ctrl-C stops)",
        flush=True,
    )
    # uvicorn handles Ctrl-C and SIGTERM itself, then raises the signal again once it has stopped.
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.run()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    main()
