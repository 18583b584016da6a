"""Many WebSocket clients streaming chat turns at once through the local stack, as the raw wire shows them.

Each client opens its own socket, starts a session with one message and records every event it receives,
unsorted and not deduplicated, until its turn ends. The fake API streams each reply's tokens with names unique
to the reply (`r7t3`), so a token's arrival at a client can be matched to the moment the fake wrote it: the relay
latency (fake API → CLI → runner → session log → @connections → socket), on one clock.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.client import connect

from tests.support.fake_anthropic import FakeAnthropic, Reply

TOKEN = re.compile(r"r\d+t\d+")
END = {"turn.done", "error", "turn.aborted"}


@dataclass
class ClientRun:
    """What one client saw of its session."""

    index: int
    events: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, text of a delta)
    failure: str | None = None
    sent_at: float | None = None  # monotonic, when its message left

    @property
    def session_seqs(self) -> list[int]:
        return [e["seq"] for e in self.events if e.get("seq") is not None]

    @property
    def duplicates(self) -> int:
        return len(self.session_seqs) - len(set(self.session_seqs))

    @property
    def missing(self) -> int:
        """Numbers absent between the first and the last the client received."""
        seqs = set(self.session_seqs)
        return (max(seqs) - min(seqs) + 1 - len(seqs)) if seqs else 0

    @property
    def text(self) -> str:
        return "".join(e["text"] for e in self.events if e.get("type") == "text.delta")

    @property
    def reply(self) -> int | None:
        """Which scripted reply this session streamed (its tokens name it)."""
        found = {int(t[1 : t.index("t")]) for t in TOKEN.findall(self.text)}
        return found.pop() if len(found) == 1 else None

    @property
    def status(self) -> str | None:
        return next((e.get("status") or e["type"] for e in self.events if e.get("type") in END), None)


@dataclass
class LoadRun:
    clients: list[ClientRun]
    relay_ms: list[float]
    seconds: float

    @property
    def failures(self) -> list[str]:
        return [f"client {c.index}: {c.failure}" for c in self.clients if c.failure]


def reply_tokens(reply: int, tokens: int) -> list[str]:
    return [f"r{reply}t{n} " for n in range(tokens)]


def stream_at_once(
    ws_url: str,
    token: str,
    project_id: str,
    api: FakeAnthropic,
    *,
    clients: int = 50,
    tokens: int = 20,
    token_delay: float = 0.01,
    budget_seconds: float = 240.0,
) -> LoadRun:
    """`clients` sockets each start one streamed turn at the same moment; bounded by `budget_seconds`."""
    api.script(*(Reply.text(reply_tokens(n, tokens), delay=token_delay) for n in range(clients)))
    writes_before = len(api.chunk_writes)
    runs = [ClientRun(n) for n in range(clients)]
    deadline = time.monotonic() + budget_seconds
    ready = threading.Barrier(clients)
    started = time.monotonic()
    threads = [
        threading.Thread(target=_one_client, args=(ws_url, token, project_id, run, ready, deadline), daemon=True)
        for run in runs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 5)
    seconds = time.monotonic() - started
    written = {
        w.text.strip(): w.written_at for w in api.chunk_writes[writes_before:] if TOKEN.fullmatch(w.text.strip())
    }
    relay = [
        (arrived - max(written[t] for t in found)) * 1000
        for run in runs
        for arrived, text in run.arrivals
        if (found := [t for t in TOKEN.findall(text) if t in written])
    ]
    return LoadRun(runs, relay, seconds)


def _one_client(
    ws_url: str, token: str, project_id: str, run: ClientRun, ready: threading.Barrier, deadline: float
) -> None:
    try:
        with connect(f"{ws_url}?token={token}", max_size=2**20, open_timeout=30) as ws:
            ready.wait(timeout=60)
            run.sent_at = time.monotonic()
            ws.send(
                json.dumps(
                    {
                        "action": "chat.send",
                        "projectId": project_id,
                        "message": f"load {run.index}",
                        "clientMessageId": f"load-{run.index}",
                    }
                )
            )
            while time.monotonic() < deadline:
                event = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                arrived = time.monotonic()
                if event.get("type") == "pong":
                    continue
                run.events.append(event)
                if event.get("type") == "text.delta":
                    run.arrivals.append((arrived, event["text"]))
                if event.get("type") in END:
                    return
            run.failure = "the turn did not end within the budget"
    except Exception as exc:  # a client's failure is a finding of the run, reported by the caller
        run.failure = f"{type(exc).__name__}: {exc}"
