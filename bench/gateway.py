"""The model gateway's cost on the relay path, measured against reading the fake Messages API directly.

(a) per token: the fake streams TOKENS text deltas at a fixed pace; each delta's arrival at the client minus the
    moment the fake flushed it, read directly and through the gateway, alternating request by request;
(b) per request: time to the first byte of the answer, and to its last byte, for a paced and a burst answer.

The gateway runs in a process of its own, as it does beside the CLI: in this one it would share one GIL with
the fake server and the client, and the burst figures would measure the three taking turns.
"""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from bench.stats import percentile, row
from runner.gateway import AnthropicUpstream, Grant, ModelGateway
from tests.support.fake_anthropic import FakeAnthropic, Reply

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 20  # per path and scenario
TOKENS = 100  # text deltas per paced answer
PACE_SECONDS = 0.005  # between two deltas
BURST_TOKENS = 2_000  # text deltas per burst answer, written back to back
READ_TIMEOUT_SECONDS = 30.0
READ_SIZE = 64 * 1024
_DELTA = b'"text_delta"'
_LAST_CHUNK = b"\r\n0\r\n\r\n"
BODY = json.dumps(
    {"model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
).encode()


class Timed:
    """A kept-alive connection that timestamps each text delta of a streamed answer as its bytes arrive.

    A raw socket, so that both paths pay the same small reading cost (http.client's readline on a chunked body
    copies the rest of each chunk per line, which would make larger chunks look slow).
    """

    def __init__(self, base_url: str, api_key: str) -> None:
        url = urlsplit(base_url)
        self._socket = socket.create_connection((url.hostname or "", url.port or 80), timeout=READ_TIMEOUT_SECONDS)
        self._request = (
            f"POST /v1/messages HTTP/1.1\r\nhost: {url.netloc}\r\ncontent-type: application/json\r\n"
            f"x-api-key: {api_key}\r\ncontent-length: {len(BODY)}\r\n\r\n"
        ).encode() + BODY

    def stream(self) -> tuple[float, float, float, list[float]]:
        """(sent, first byte, last byte, arrival of each text delta), all time.monotonic()."""
        sent = time.monotonic()
        self._socket.sendall(self._request)
        first, arrivals, tail, stopped = 0.0, [], b"", False
        for _ in range(100 * BURST_TOKENS):
            data = self._socket.recv(READ_SIZE)
            now = time.monotonic()
            assert data, "the server closed the connection mid-answer"
            first = first or now
            window = tail + data
            arrivals += [now] * window.count(_DELTA)
            stopped = stopped or b"message_stop" in window
            if stopped and window.endswith(_LAST_CHUNK):
                return sent, first, now, arrivals
            tail = window[1 - len(_DELTA) :]  # one byte short of a match: nothing is counted twice
        raise AssertionError("the answer did not end")

    def close(self) -> None:
        self._socket.close()


def run() -> None:
    with FakeAnthropic() as api, gateway_process(api.url) as (base_url, token):
        direct, relayed = Timed(api.url, "sk-ant-bench"), Timed(base_url, token)
        paced = _measure(api, direct, relayed, _paced)
        burst = _measure(api, direct, relayed, _burst)
        direct.close()
        relayed.close()

    print(f"Model gateway (own process): {REQUESTS} requests per path and kind, alternating direct and relayed;")
    print(f"paced: {TOKENS} deltas {PACE_SECONDS * 1000:g} ms apart; burst: {BURST_TOKENS} deltas back to back")
    for label, values in (
        ("paced: token write → arrival, direct", paced["token_direct"]),
        ("paced: token write → arrival, via gateway", paced["token_gateway"]),
        ("paced: added per token (vs direct median)", _added(paced, "token")),
        ("paced: first byte, direct", paced["first_direct"]),
        ("paced: first byte, via gateway", paced["first_gateway"]),
        ("paced: added to the first byte", _added(paced, "first")),
        ("paced: whole answer, direct", paced["total_direct"]),
        ("paced: whole answer, via gateway", paced["total_gateway"]),
        ("burst: first byte, direct", burst["first_direct"]),
        ("burst: first byte, via gateway", burst["first_gateway"]),
        ("burst: whole answer, direct", burst["total_direct"]),
        ("burst: whole answer, via gateway", burst["total_gateway"]),
        ("burst: added to the whole answer", _added(burst, "total")),
    ):
        print(row(label, values))
    for label, figures, name in (
        ("token write → arrival", paced, "token"),
        ("first byte", paced, "first"),
        ("paced whole answer", paced, "total"),
        ("burst whole answer", burst, "total"),
    ):
        p50, p95 = (
            percentile(figures[f"{name}_gateway"], q) / percentile(figures[f"{name}_direct"], q) for q in (0.5, 0.95)
        )
        print(f"{'ratio gateway/direct, ' + label:<46} p50 {p50:6.2f}x   p95 {p95:6.2f}x")


def _measure(api: FakeAnthropic, direct: Timed, relayed: Timed, reply: Callable[[], Reply]) -> dict[str, list[float]]:
    """Alternate direct and relayed requests; every figure in milliseconds."""
    figures: dict[str, list[float]] = {}
    for index in range(2 * REQUESTS):
        path, client = ("direct", direct) if index % 2 == 0 else ("gateway", relayed)
        api.script(reply())
        request_index = len(api.requests)
        sent, first, last, arrivals = client.stream()
        written = [chunk.written_at for chunk in api.chunk_writes if chunk.request_index == request_index]
        figures.setdefault(f"token_{path}", []).extend((a - w) * 1000 for a, w in zip(arrivals, written, strict=False))
        figures.setdefault(f"first_{path}", []).append((first - sent) * 1000)
        figures.setdefault(f"total_{path}", []).append((last - sent) * 1000)
    return figures


def _paced() -> Reply:
    return Reply.text([f"t{n} " for n in range(TOKENS)], delay=PACE_SECONDS)


def _burst() -> Reply:
    return Reply.text([f"t{n} " for n in range(BURST_TOKENS)])


def _added(figures: dict[str, list[float]], name: str) -> list[float]:
    """Each gateway figure minus the direct median: what the gateway adds, with its spread."""
    baseline = percentile(figures[f"{name}_direct"], 0.5)
    return [value - baseline for value in figures[f"{name}_gateway"]]


@contextmanager
def gateway_process(upstream_url: str) -> Iterator[tuple[str, str]]:
    """A gateway in a child process in front of `upstream_url`: its base URL and a token; it ends with stdin."""
    command = [sys.executable, "-m", "bench.gateway", "--serve", upstream_url]
    child = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert child.stdin is not None and child.stdout is not None
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_read_lines, args=(child.stdout, lines), daemon=True).start()
    try:
        line = b""
        for _ in range(100):  # the child's log lines come first
            line = lines.get(timeout=READ_TIMEOUT_SECONDS)
            if line.startswith(b"gateway "):
                break
        started = json.loads(line.removeprefix(b"gateway "))
        yield started["base_url"], started["token"]
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=READ_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()


def _read_lines(stream: IO[bytes], into: queue.Queue[bytes]) -> None:
    for line in stream:
        into.put(line)


def serve(upstream_url: str) -> None:
    """The child process: serve until stdin closes."""
    upstream = AnthropicUpstream(upstream_url, api_key="sk-ant-bench")
    with ModelGateway(recorder=lambda usage: None) as gateway:
        grant = Grant(user_id="bench", job_id="bench", kind="chat", expires_at=time.time() + 3600, upstream=upstream)
        print("gateway", json.dumps({"base_url": gateway.base_url, "token": gateway.issue(grant)}), flush=True)
        sys.stdin.read()
        gateway.flush(timeout=10)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        run()
