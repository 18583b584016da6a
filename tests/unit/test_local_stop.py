"""`make run`'s console and Ctrl-C: one real local stack (`python -m local.stack`, as the Makefile starts it).

It ticks every second with nothing due, serves a few requests, and gets SIGINT: the console holds the banner and
"Stopped." and nothing else, the JSON logs are in the data folder, and every child process is gone.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from shared.constants import Env
from tests.support.stack import LocalStack, wait_until

TICKS = 3
# Generous bounds for a loaded machine: the gateway's connections get 5 s, the runner 20 s, moto 10 s.
STOP_TIMEOUT_SECONDS = 45


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    started = LocalStack(tmp_path / "data", env={Env.TICK_INTERVAL_SECONDS: "1"}).start()
    try:
        yield started
    finally:
        if started.process is not None and started.process.poll() is None:
            started.process.kill()
            started.process.wait(timeout=10)


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def tick_records(stack: LocalStack) -> list[dict[str, object]]:
    path = stack.data_dir / "logs" / "stack.log"
    lines = path.read_text().splitlines() if path.exists() else []
    return [record for record in map(json.loads, lines) if record.get("message") == "scheduler tick"]


def test_ctrl_c_stops_everything_quietly_and_the_console_shows_only_what_matters(stack: LocalStack) -> None:
    # Given a running stack whose tick found nothing due a few times, and that answered some requests
    wait_until(lambda: len(tick_records(stack)) >= TICKS, timeout=30, what=f"{TICKS} ticks in logs/stack.log")
    assert all(record["due"] == 0 and record["started"] == 0 for record in tick_records(stack))
    for _ in range(3):
        assert requests.get(f"{stack.base_url}/api/health", timeout=5).status_code == 200
    children = list(stack.info()["children"].values())
    assert len(children) == 2  # moto and the runner

    # When it gets Ctrl-C
    assert stack.process is not None
    stack.process.send_signal(signal.SIGINT)
    try:
        code = stack.process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the stack did not stop within {STOP_TIMEOUT_SECONDS} s:\n{stack.output()}")

    # Then it stopped cleanly, with its children, and said so in one line
    console = stack.output()
    assert code == 0, console
    assert not any(running(pid) for pid in children)
    assert not (stack.data_dir / "stack.json").exists()
    assert "Traceback" not in console
    lines = [line for line in console.splitlines() if line.strip()]
    assert lines[0] == f"Sasha Studio is running at {stack.base_url}", console
    assert f"data folder: {stack.data_dir.resolve()}" in lines[1]
    assert lines[-1] == "Stopped."
    # And the minutes with nothing due, the requests and the warnings-free shutdown left nothing else there
    assert lines[2:-1] == ["Press Ctrl-C to stop."], console
    assert (stack.data_dir / "logs" / "stack.log").stat().st_size > 0
