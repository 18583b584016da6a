"""One call to the local AWS server (local/moto_server.py), as its clients see it, measured in the same run against
three servers started alike, call by call in turn:
- moto as it comes (werkzeug closing each connection after its response);
- with local/moto_speedups.py (DynamoDB's requests dispatched without Flask, two lookups memoized, attribute values
  serialized directly, update expressions kept once parsed, walked and copied directly, a new item's size summed
  once), connections still closed after each call;
- as served: the speedups, and connections kept alive between calls, each response sent whole in one send
  (local/keep_alive.py).
The items are shaped like a chat session's record (16 attributes, a map). Besides the call's time, the CPU it
takes in the client and in the server (one call's share of each process's CPU time over the run).

Every call the local stack makes goes through this server, the turns' and the tests' alike, so its cost per call
is the floor under most local latencies.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from bench.stats import row, summary
from tests.support.stack import free_port, wait_until

CALLS = 300
# The servers' key pair, made for the run (they answer only requests signed with it).
KEY, SECRET = f"bench-{secrets.token_hex(8)}", secrets.token_urlsafe(30)
# The server as `python -m local.moto_server` runs it, or with the memoization left out.
SERVE = "from local.moto_server import serve; serve({port}, __import__('pathlib').Path({state!r}))"
ONE = {":one": {"N": "1"}}
UNMEMOIZED = (
    "import local.moto_speedups as speedups; speedups.apply = lambda: None; "
    "speedups.dispatch_dynamodb = lambda environ: None; "
)
CLOSING = "import local.keep_alive as keep; keep.kept_alive = lambda handler: handler; "
SERVERS = {
    "moto as it comes": UNMEMOIZED + CLOSING,
    "speedups, each connection closed": CLOSING,
    "as served (speedups, kept alive)": "",
}
# A record like a chat session's: names, numbers, a flag, a set and a small map of settings.
RECORD: dict[str, Any] = {
    **{name: {"S": "x" * 24} for name in ("user_id", "project_id", "title", "persona", "status", "created_at")},
    **{name: {"N": "1733561234"} for name in ("updated_at", "last_seq", "turns", "tokens_in", "tokens_out")},
    "archived": {"BOOL": False},
    "tags": {"SS": ["planning", "q3"]},
    "settings": {"M": {"mode": {"S": "default"}, "model": {"S": "claude-sonnet"}, "budget": {"N": "5"}}},
    "body": {"S": "x" * 200},
}


def run() -> None:
    print(f"Local AWS server, {CALLS} calls of each kind, the three servers taking turns call by call:")
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        servers = {
            label: stack.enter_context(_server(Path(folder) / str(number), prefix))
            for number, (label, prefix) in enumerate(SERVERS.items())
        }
        figures: dict[str, dict[str, list[float]]] = {label: {"GetItem": [], "UpdateItem": []} for label in servers}
        cpu = {label: [0.0, 0.0] for label in servers}  # client, server: CPU seconds over the run
        for i in range(CALLS):
            for label, (client, pid) in servers.items():
                key = {"id": {"S": f"k{i % 20}"}}
                own, theirs = time.process_time(), _cpu_seconds(pid)
                started = time.perf_counter()
                client.get_item(TableName="bench", Key=key)
                figures[label]["GetItem"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                client.update_item(
                    TableName="bench", Key=key, UpdateExpression="ADD n :one", ExpressionAttributeValues=ONE
                )
                figures[label]["UpdateItem"].append((time.perf_counter() - started) * 1000)
                cpu[label][0] += time.process_time() - own
                cpu[label][1] += _cpu_seconds(pid) - theirs
    for label, operations in figures.items():
        for operation, values in operations.items():
            print("  " + row(f"{label}: {operation}", values))
        client_ms, server_ms = (seconds * 1000 / (2 * CALLS) for seconds in cpu[label])
        print(f"  {label}: CPU per call {client_ms:.2f} ms in the client, {server_ms:.2f} ms in the server")
    moto, closed, served = figures.values()
    for operation in served:
        speedups = summary(closed[operation])["median"] / summary(moto[operation])["median"]
        kept = summary(served[operation])["median"] / summary(closed[operation])["median"]
        print(
            f"  DynamoDB {operation}: speedups / moto as it comes = {speedups:.2f}x; kept alive / closed = {kept:.2f}x"
        )


def _cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def _server(state: Path, prefix: str) -> Iterator[tuple[Any, int]]:
    """A local AWS server with a table of 20 items: a client of it, and its process id."""
    port = free_port()
    code = prefix + SERVE.format(port=port, state=str(state))
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}
    server = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL)
    try:
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
        )
        wait_until(lambda: _answers(client), timeout=30, what="the local AWS server")
        client.create_table(
            TableName="bench",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(20):
            client.put_item(TableName="bench", Item={"id": {"S": f"k{i}"}, **RECORD})
        yield client, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(client: object) -> bool:
    try:
        client.list_tables()  # type: ignore[attr-defined]
        return True
    except Exception:
        return False


if __name__ == "__main__":
    run()
