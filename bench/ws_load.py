"""WebSocket load on the local stack: 50 clients each stream a chat turn at once (the real CLI, the fake API).

Prints the relay latency of every streamed token (the fake API wrote it → a client received it, one clock),
each client's wait for its turn's first token, and the events lost or repeated (expected: none). The runner
runs 4 turns at a time, as `make run` does, so later clients queue: the first-token wait shows that queue.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from bench.stats import row
from tests.support.claude import CLAUDE, claude_stack
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.ws_load import stream_at_once

CLIENTS = 50
ROUNDS = 3


def run(clients: int = CLIENTS, rounds: int = ROUNDS) -> None:
    if not CLAUDE.exists():
        print("WebSocket load benchmark skipped: the pinned Claude CLI is not installed (make deps-runner).")
        return
    relay: list[float] = []
    first_token: list[float] = []
    totals: list[float] = []
    lost = repeated = failed = 0
    with FakeAnthropic() as api, tempfile.TemporaryDirectory() as data_dir, claude_stack(api, Path(data_dir)) as stack:
        token = stack.admin_token()
        project = requests.post(
            f"{stack.base_url}/api/projects",
            json={"name": f"ws load {time.monotonic_ns()}"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()["id"]
        for _ in range(rounds):
            load = stream_at_once(stack.ws_url, token, project, api, clients=clients)
            relay += load.relay_ms
            totals.append(load.seconds * 1000)
            failed += len(load.failures)
            for client in load.clients:
                lost += client.missing
                repeated += client.duplicates
                if client.arrivals and client.sent_at is not None:
                    first_token.append((client.arrivals[0][0] - client.sent_at) * 1000)
    print(f"WebSocket load: {clients} clients each streaming a turn at once, {rounds} rounds (4 turns run at a time):")
    print("  " + row("relay latency per streamed token", relay))
    print("  " + row("message sent → first token at the client", first_token))
    print("  " + row(f"all {clients} turns done", totals))
    print(f"  events lost: {lost}, repeated: {repeated}, clients failed: {failed}")


if __name__ == "__main__":
    run()
