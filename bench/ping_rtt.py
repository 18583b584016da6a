"""Ping round trip through the local stack: browser → gateway → $default Lambda → SQS → runner →
@connections → browser. Sequential pings on one connection, then several connections at once.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from pathlib import Path

from websockets.sync.client import connect

from bench.stats import row
from tests.support.stack import LocalStack

TIME_BUDGET_SECONDS = 60


def ping_series(url: str, count: int, label: str, results: list[float]) -> None:
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    with connect(url) as ws:
        for index in range(count):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            ws.send(json.dumps({"action": "ping", "id": f"{label}-{index}"}))
            while True:
                event = json.loads(ws.recv(timeout=15))
                if event.get("type") == "pong" and event.get("id") == f"{label}-{index}":
                    break
            results.append((time.perf_counter() - started) * 1000)


def run(sequential: int = 200, clients: int = 4, per_client: int = 50) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as data_dir:
        stack = LocalStack(Path(data_dir)).start()
        try:
            url = stack.authed_ws_url()
            warmup: list[float] = []
            ping_series(url, 10, "warmup", warmup)
            single: list[float] = []
            ping_series(url, sequential, "seq", single)
            parallel: list[float] = []
            threads = [
                threading.Thread(target=ping_series, args=(url, per_client, f"c{n}", parallel)) for n in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIME_BUDGET_SECONDS + 30)
        finally:
            stack.stop()
    print("Ping round trip through the local stack (WS → Lambda → SQS → runner → @connections → WS):")
    print("  " + row("one connection, sequential", single))
    print("  " + row(f"{clients} connections at once", parallel))
    return {"sequential": single, "parallel": parallel}


if __name__ == "__main__":
    run()
