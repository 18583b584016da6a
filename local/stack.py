"""`make run`: the whole product on one machine, no AWS account.

    moto server (DynamoDB, S3, SQS, KMS; durable)   ← child process
    gateway: SPA, /api, /ws, @connections           ← this process (uvicorn)
    tick: the scheduler Lambda once a minute         ← this process (thread)
    ingest: S3 upload events → the ingest Lambda     ← this process (thread)
    runner: the SQS consumer                         ← child process, restarted if it dies

Children die with this process, even on kill -9 (PR_SET_PDEATHSIG). Each runs in its own process group, so a
Ctrl-C in the terminal reaches the supervisor alone, which stops them in order:

    SIGINT, SIGTERM or SIGHUP → the gateway stops serving (open connections get 5 s) → the runner finishes the jobs
    in hand (20 s at most) → moto takes its final snapshot (10 s) → "Stopped.", exit status 0
    (1 when the local AWS died under the stack). A signal while starting unwinds the start the same way.

The console shows a banner, warnings and errors, and what the tick did; the logs are in the data folder
(local/console.py). The data folder is its user's alone (local/data_folder.py).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.children import ROOT, Child, free_port, wait_for
from local.console import banner, route_logs, say, tick_news, warn
from local.data_folder import local_secrets, open_private, private_folder, write_private
from local.serving import gateway_server, load_handlers
from shared.constants import LOCAL_UPLOAD_EVENTS_VISIBILITY_TIMEOUT_SECONDS, Env

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from local.serving import GatewayServer

# The ingest loop's long poll: short enough that a stop is noticed promptly.
UPLOAD_EVENTS_WAIT_SECONDS = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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


class StopRequested(BaseException):
    """A stop signal arrived while the stack was starting: the start unwinds (no `except Exception` swallows it)."""


class Stack:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.stopping = threading.Event()  # set by the main thread once it stops the children
        self.stop_requested = False  # set by the signal handler, which must not take the Event's lock
        self.server: GatewayServer | None = None
        self.failure: str | None = None
        self.children: list[Child] = []
        self.logs = private_folder(data_dir / "logs")
        self.info: dict[str, Any] = {"port": port, "pid": os.getpid(), "startedAt": time.time()}

    def request_stop(self, signum: int, frame: object) -> None:
        """The stop signals' handler: stop the gateway (a second signal stops waiting for its connections)."""
        if self.server is not None:
            self.server.force_exit = self.server.should_exit
            self.server.should_exit = True
        elif not self.stop_requested:
            self.stop_requested = True
            raise StopRequested

    def run(self) -> None:
        """Start the local AWS, create the resources, start the runner and the loops, and serve until stopped."""
        moto_port = free_port()
        env = {**os.environ, **local_environment(self.data_dir, self.port, moto_port)}
        os.environ.update(env)  # before anything reads settings
        route_logs(self.logs)
        # The handlers are imported while the local AWS starts, and waited for before this thread imports more
        # (two threads importing at once can each find a module the other is making half made); a failure to load
        # them is raised when the gateway starts.
        handlers = load_handlers()
        moto = self.start_aws(env, moto_port)
        handlers.exception()
        from local.bootstrap import ensure_resources
        from runner.recovery import requeue_unfinished
        from shared.settings import get_settings

        resources = ensure_resources(get_settings())
        env[Env.JOBS_QUEUE_URL] = os.environ[Env.JOBS_QUEUE_URL] = resources["jobs_queue_url"]
        env[Env.KMS_KEY_ID] = os.environ[Env.KMS_KEY_ID] = resources["kms_key_id"]
        get_settings.cache_clear()
        recovered = requeue_unfinished()
        runner = self.start_runner(env)
        threading.Thread(target=self.supervise, args=(moto, runner), name="supervise", daemon=True).start()
        threading.Thread(target=self.tick_loop, name="tick", daemon=True).start()
        upload_events = resources["upload_events_queue_url"]
        threading.Thread(target=self.ingest_loop, args=(upload_events,), name="ingest", daemon=True).start()
        self.write_info(motoPort=moto_port)
        self.server = gateway_server(
            self.data_dir,
            self.port,
            on_started=lambda: say(banner(self.port, self.data_dir, self.logs, recovered)),
            handlers=handlers,
        )
        self.server.run()

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
                self.failure = f"the local AWS stopped unexpectedly; see {self.logs / 'aws.log'}"
                warn(self.failure, level="error")
                os.kill(os.getpid(), signal.SIGTERM)
                return
            if not runner.alive() and not self.stopping.is_set():
                warn(f"the runner stopped; restarting in {backoff:.0f} s (see {self.logs / 'runner.log'})")
                if self.stopping.wait(backoff):
                    return
                from runner.recovery import requeue_unfinished

                requeue_unfinished()  # the jobs it held are closed or rerun, not left running
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

                news = tick_news(handler(scheduler_event(), LambdaContext("tick")))
            except Exception as exc:  # the next tick tries again; a failure must not stop the clock
                warn(f"the tick failed: {exc!r}", level="error")
                continue
            if news:  # a minute with nothing due leaves its record in logs/stack.log only
                say(news)

    def ingest_loop(self, queue_url: str) -> None:
        """Invoke the ingest Lambda for each S3 upload event, as the bucket notification does in the cloud.

        A message is deleted once the function succeeded; after a failure it stays, becomes visible again
        after the queue's visibility timeout and is retried, and goes to the DLQ after the last attempt.
        """
        from shared import aws

        sqs = aws.client("sqs")
        unavailable = False
        while not self.stopping.is_set():
            try:
                received = sqs.receive_message(
                    QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=UPLOAD_EVENTS_WAIT_SECONDS
                )
            except Exception as exc:  # the local AWS stopping, or too busy to answer; try again shortly
                if not unavailable and not self.stopping.is_set():
                    warn(f"upload events unavailable, retrying: {exc!r}")  # once until they are back
                unavailable = True
                self.stopping.wait(1)
                continue
            unavailable = False
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
            warn(f"an upload could not be ingested (it will be retried): {exc!r}", level="error")
            return False
        return True

    def stop_children(self) -> None:
        self.stop_requested = True  # a signal from now on has nothing left to interrupt
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
    stack = Stack(data_dir, args.port)
    for signum in STOP_SIGNALS:
        signal.signal(signum, stack.request_stop)
    try:
        stack.run()
    except StopRequested:
        pass  # stopped while starting: what started is stopped below
    finally:
        stack.stop_children()
        (data_dir / "stack.json").unlink(missing_ok=True)
        lock.close()
        say("Stopped.")
    if stack.failure:
        sys.exit(1)


if __name__ == "__main__":
    main()
