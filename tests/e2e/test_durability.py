"""State survives kill -9 and Ctrl-C; jobs caught mid-flight are recovered, never dropped."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from websockets.sync.client import connect

from shared import jobs
from shared.jobs import store
from shared.models.jobs import JobStatus
from tests.support.stack import LocalStack, bound_to, wait_until

WAIT = 15


def ping(stack: LocalStack, ping_id: str) -> str:
    with connect(stack.authed_ws_url()) as ws:
        ws.send(json.dumps({"action": "ping", "id": ping_id}))
        pong = json.loads(ws.recv(timeout=WAIT))
    assert pong["type"] == "pong"
    return str(pong["jobId"])


def job_status(stack: LocalStack, job_id: str) -> str | None:
    with bound_to(stack):
        job = store.get(job_id)
    return job.status if job else None


def test_data_written_before_a_kill_9_is_there_after_the_restart(tmp_path: Path) -> None:
    stack = LocalStack(tmp_path / "data").start()
    job_id = ping(stack, "before-crash")
    wait_until(lambda: job_status(stack, job_id) == JobStatus.SUCCEEDED, timeout=WAIT, what="the ping job")
    stack.client("s3").put_object(Bucket="studio-workspace", Key="projects/p1/notes.md", Body=b"# kept")
    secret = stack.client("kms").encrypt(KeyId="alias/studio", Plaintext=b"sealed")["CiphertextBlob"]
    stack.wait_saved()

    stack.kill()
    stack = LocalStack(tmp_path / "data", port=stack.port).start()

    try:
        assert job_status(stack, job_id) == JobStatus.SUCCEEDED
        body = stack.client("s3").get_object(Bucket="studio-workspace", Key="projects/p1/notes.md")["Body"].read()
        assert body == b"# kept"
        assert stack.client("kms").decrypt(CiphertextBlob=secret)["Plaintext"] == b"sealed"
        ping(stack, "after-restart")
    finally:
        stack.stop()


def test_jobs_queued_or_running_when_the_stack_died_are_recovered(tmp_path: Path) -> None:
    stack = LocalStack(tmp_path / "data").start()
    os.kill(stack.info()["children"]["runner"], signal.SIGSTOP)  # the runner takes nothing from now on
    with bound_to(stack):
        queued = jobs.enqueue("ping", {"connection_id": "left-long-ago", "ping_id": "q"})
        running = jobs.enqueue("ping", {"connection_id": "left-long-ago", "ping_id": "r"})
        store.start(running, "runner-that-will-die")
    stack.wait_saved()

    stack.kill()
    stack = LocalStack(tmp_path / "data", port=stack.port).start()

    try:
        wait_until(lambda: job_status(stack, queued.job_id) == JobStatus.SUCCEEDED, timeout=WAIT, what="the queued job")
        wait_until(lambda: job_status(stack, running.job_id) == JobStatus.FAILED, timeout=WAIT, what="the running job")
        with bound_to(stack):
            interrupted = store.get(running.job_id)
            assert interrupted is not None
            assert "runner stopped" in (interrupted.error or "")
            assert store.list_active() == []
    finally:
        stack.stop()


def test_ctrl_c_stops_everything_cleanly_and_loses_nothing(tmp_path: Path) -> None:
    stack = LocalStack(tmp_path / "data").start()
    children = stack.info()["children"]
    job_id = ping(stack, "just-before-ctrl-c")

    assert stack.stop() == 0  # no wait for a snapshot: a clean stop saves everything

    for pid in children.values():
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert not (tmp_path / "data" / "stack.json").exists()
    stack = LocalStack(tmp_path / "data", port=stack.port).start()
    try:
        assert job_status(stack, job_id) in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.RUNNING)
    finally:
        stack.stop()
