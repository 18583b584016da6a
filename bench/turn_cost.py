"""AWS calls and dollars per chat turn: follow-up turns streaming a 500-word answer, counted on the local stack.

Every product process (the API and WebSocket handlers, the runner, the tick) appends a line per AWS call to a call
log (STUDIO_AWS_CALL_LOG, shared.aws.count_calls). A turn's calls are those logged from its chat.send until the log
is quiet after its turn.done, so the sync back and the quality job count too; bench/aws_cost.py prices them. The
real Claude CLI answers through the fake Messages API at a model's pace (~650 tokens in ~9 s); the same run gives
the relay latency of the newest token in each delta, as bench/chat.py measures it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.aws_cost import DYNAMODB_WRITE_UNIT, WEBSOCKET_MESSAGE, Call, CallLog
from bench.chat import CLAUDE, _project
from bench.stats import row
from shared.constants import Env
from tests.e2e.test_chat import Chat
from tests.support.fake_anthropic import TEST_API_KEY, FakeAnthropic, Reply
from tests.support.stack import LocalStack

TURNS = 5
WORDS = 500
TOKEN_SECONDS = 0.014  # ~650 tokens in ~9 s
TARGET_DOLLARS = 0.0001


class CountingChat(Chat):
    """The tests' chat client, counting the frames it sends (API Gateway bills those messages too)."""

    def __init__(self, stack: LocalStack) -> None:
        super().__init__(stack)
        self.sent = 0

    def send(self, project_id: str | None = None, message: str = "hello", **fields: Any) -> None:
        self.sent += 1
        super().send(project_id, message, **fields)

    def resume(self, session_id: str, last_seq: int) -> None:
        self.sent += 1
        super().resume(session_id, last_seq)


def answer_chunks() -> list[str]:
    """A 500-word answer as ~650 tokens: every third word comes in two pieces, as a tokenizer would cut it."""
    chunks: list[str] = []
    for n in range(WORDS):
        word = f"word{n % 97}"
        chunks += [f" {word[:3]}", word[3:]] if n % 3 == 0 else [f" {word}"]
    return chunks


def one_turn(
    chat: CountingChat, api: FakeAnthropic, log: CallLog, project_id: str, session_id: str, turn: int
) -> dict[str, Any]:
    """A follow-up turn, sent as the web app sends it (the session's id and its project's): its calls, the frames
    the client sent, and the relay latency of each delta's newest token."""
    api.script(Reply.text(answer_chunks(), delay=TOKEN_SECONDS))
    first_chunk, frames, mark = len(api.chunk_writes), chat.sent, log.mark()
    chat.send(project_id, message=f"tell me more ({turn})", sessionId=session_id)
    received: list[tuple[float, int]] = []  # (when, characters of the answer received by then)
    characters = 0
    while True:
        event = chat.until(lambda e: e["type"] in ("text.delta", "turn.done", "error") and e.get("turn") == turn)
        if event["type"] != "text.delta":
            break
        characters += len(event["text"])
        received.append((time.monotonic(), characters))
    assert event["type"] == "turn.done", event
    log.wait_quiet(mark)
    return {"calls": log.since(mark), "frames": chat.sent - frames, "relay": _relay(api, first_chunk, received)}


def _relay(api: FakeAnthropic, first_chunk: int, received: list[tuple[float, int]]) -> list[float]:
    """For each delta, how long after the fake API wrote its newest token the client had it (ms)."""
    writes = [w for w in api.chunk_writes[first_chunk:] if w.text]
    ends, total = [], 0
    for write in writes:
        total += len(write.text)
        ends.append(total)
    latencies = []
    for at, characters in received:
        newest = next((i for i, end in enumerate(ends) if end >= characters), len(writes) - 1)
        latencies.append((at - writes[newest].written_at) * 1000)
    return latencies


def measure(turns: int = TURNS) -> list[dict[str, Any]]:
    with FakeAnthropic() as api, tempfile.TemporaryDirectory() as data_dir:
        log = CallLog(Path(data_dir) / "aws-calls.log")
        env = {
            "ANTHROPIC_BASE_URL": api.url,
            "ANTHROPIC_API_KEY": TEST_API_KEY,
            "CLAUDE_CODE_MAX_RETRIES": "0",
            Env.SANDBOX: "none",
            Env.AWS_CALL_LOG: str(log.path),
            Env.TICK_INTERVAL_SECONDS: "3600",  # the scheduler's tick is no part of a turn
        }
        stack = LocalStack(Path(data_dir) / "stack", env=env).start()
        try:
            chat = CountingChat(stack)
            api.script(Reply.text(["ready"]))
            project_id = _project(stack)
            chat.send(project_id, "hello")
            session_id = chat.until(lambda e: e["type"] == "session.created")["sessionId"]
            chat.turn_end(1)
            log.wait_quiet(log.mark())
            results = [one_turn(chat, api, log, project_id, session_id, turn) for turn in range(2, turns + 2)]
            chat.close()
        finally:
            stack.stop()
    return results


def _median(results: list[dict[str, Any]], of: Callable[[list[Call]], float]) -> float:
    return statistics.median(of(result["calls"]) for result in results)


def _by(results: list[dict[str, Any]], key: Callable[[Call], str | None]) -> list[tuple[str, float, float]]:
    """Calls grouped by `key` (None: left out): label, median calls per turn, median dollars per turn."""
    labels = sorted({label for result in results for call in result["calls"] if (label := key(call)) is not None})
    rows = []
    for label in labels:
        chosen = [[call for call in result["calls"] if key(call) == label] for result in results]
        dollars = statistics.median(sum(call.dollars() for call in calls) for calls in chosen)
        rows.append((label, statistics.median(len(calls) for calls in chosen), dollars))
    return rows


def run() -> None:
    if not CLAUDE.exists():
        print("Turn cost benchmark skipped: the pinned Claude CLI is not installed (make deps-runner).")
        return
    results = measure()
    print(f"AWS calls per follow-up turn streaming a {WORDS}-word answer (medians of {len(results)} turns):")
    for label, calls, dollars in _by(results, lambda call: call.label):
        print(f"  {label:<52} {calls:6.1f}  ${dollars:.7f}")
    print(f"  {'all AWS calls':<52} {_median(results, len):6.1f}")
    frames = statistics.median(result["frames"] for result in results)
    print(f"  {'WebSocket frames from the client':<52} {frames:6.1f}  ${frames * WEBSOCKET_MESSAGE:.7f}")
    print("  DynamoDB by table:")
    for label, calls, dollars in _by(results, lambda c: f"{c.table} {c.operation}" if c.table != "-" else None):
        print(f"    {label:<50} {calls:6.1f}  ${dollars:.7f}")
    total = statistics.median(sum(c.dollars() for c in r["calls"]) + r["frames"] * WEBSOCKET_MESSAGE for r in results)
    indexes = _median(results, lambda calls: sum(c.write_units() - c.write_units(indexes=False) for c in calls))
    print(f"  dollars per turn (list prices, Lambda not included): ${total:.7f} (target ${TARGET_DOLLARS:.4f})")
    print(f"    of which DynamoDB index writes: ${indexes * DYNAMODB_WRITE_UNIT:.7f}")
    print("  " + row("relay: API token -> client (newest in each delta)", [ms for r in results for ms in r["relay"]]))


if __name__ == "__main__":
    run()
