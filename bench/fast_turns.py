"""Fast turns: how long a message waits before it reaches the model, cold, prewarmed and on a warm session.

In one run, with the real Claude CLI against the scripted fake Messages API:
(a) the bare CLI's own start: spawn → its first request at the API (no product around it), one per round of (b),
    while the stack runs: both sides of a ratio see the same machine at the same time (measured before the
    stack started, the bare start saw an idle machine and the rounds a busier one, minutes later);
(b) turn overhead, `chat.send` → the request at the fake API, through the local stack with the uid sandbox (when
    root) and the model gateway: a cold new session, a prewarmed new session (chat.prewarm first), and follow-ups
    on a warm session, one sent the moment the answer ends (the runner is still syncing and recording the last
    turn) and one half a second after (a person reads for longer than that); each as a ratio to (a);
(c) where a turn's time goes, from the client's clock: chat.send → message.accepted (API: record, queue),
    → turn.started (the runner took the job), → the request at the API (workspace, CLI, first request);
(d) the resident memory of a kept CLI process, and of the pool at its budget;
(e) the bare CLI kept alive: a message written to its stdin → its request; with the API's accept, the floor under a
    warm follow-up whatever the runner does.
AWS calls and dollars per turn: bench/turn_cost.py.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import row
from runner.claude.process import resident_bytes
from tests.e2e.test_chat import Chat
from tests.e2e.test_warm_sessions import cli_processes, new_project
from tests.support.claude import CLAUDE, claude_env
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, wait_until

ROUNDS = 12
READING_SECONDS = 0.5  # between an answer and a follow-up, and between a prewarm and the first message
KINDS = {
    "cold": "cold new session",
    "prewarmed": "prewarmed new session",
    "at once": "warm follow-up, sent as the answer ends",
    "warm": "warm follow-up, 0.5 s after the answer",
}


def bare_start(api: FakeAnthropic, home: Path) -> tuple[float, float]:
    """ms from spawning the CLI (stream-json, message written at once) to its request at the API; then, the same
    process kept, ms from writing a second message to its stdin to that message's request (the kept CLI's own
    answer, with no product around it)."""
    work = home / "work"
    work.mkdir(parents=True, exist_ok=True)
    command = [str(CLAUDE), "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose"]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=work, env=api.cli_env(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin and process.stdout
    try:
        start = _ask(api, process, "hi", started)
        time.sleep(READING_SECONDS)  # as the warm follow-ups wait after an answer
        kept = _ask(api, process, "and again", time.monotonic())
    finally:
        process.stdin.close()
        process.stdout.read()
        process.wait(timeout=30)
    return start, kept


def _ask(api: FakeAnthropic, process: subprocess.Popen[bytes], text: str, since: float) -> float:
    """Write one message; ms from `since` to its request at the API, once its answer is read whole."""
    assert process.stdin and process.stdout
    api.script(Reply.text(["ok"]))
    before = len(api.message_requests)
    process.stdin.write(json.dumps({"type": "user", "message": {"role": "user", "content": text}}).encode() + b"\n")
    process.stdin.flush()
    [request] = api.wait_for_requests(before + 1, timeout=60)[before : before + 1]
    for line in iter(process.stdout.readline, b""):  # up to the answer's end (or the process's)
        if b'"type":"result"' in line:
            break
    return (request.arrived_at - since) * 1000


def timed_turn(chat: Chat, api: FakeAnthropic, turn: int, stages: dict[str, list[float]], **fields: Any) -> dict:
    """Send one message; returns its session's id and the ms from chat.send to the request at the API."""
    api.script(Reply.text(["fine"]))
    before = len(api.message_requests)
    sent = time.monotonic()
    chat.send(**fields)
    accepted = chat.until(lambda e: e["type"] == "message.accepted")
    accepted_at = time.monotonic()
    chat.until(lambda e: e["type"] == "turn.started" and e.get("turn") == turn)
    started_at = time.monotonic()
    chat.turn_end(turn)
    arrived = api.message_requests[before].arrived_at
    stages["accepted"].append((accepted_at - sent) * 1000)
    stages["started"].append((started_at - accepted_at) * 1000)
    stages["request"].append((arrived - started_at) * 1000)
    return {"session": accepted["sessionId"], "ms": (arrived - sent) * 1000}


def run() -> None:
    if not CLAUDE.exists():
        print("Fast-turns benchmark skipped: the pinned Claude CLI is not installed (make deps-runner).")
        return
    figures: dict[str, list[float]] = {kind: [] for kind in ("bare", "kept", *KINDS)}
    stages: dict[str, dict[str, list[float]]] = {kind: {"accepted": [], "started": [], "request": []} for kind in KINDS}
    with FakeAnthropic() as api, tempfile.TemporaryDirectory() as folder:
        stack = LocalStack(Path(folder) / "stack", env=claude_env(api)).start()
        try:
            project = new_project(stack)
            for index in range(ROUNDS):
                start, answer = bare_start(api, Path(folder) / f"bare-{index}")
                figures["bare"].append(start)
                figures["kept"].append(answer)
                chat = Chat(stack)
                cold = timed_turn(chat, api, 1, stages["cold"], project_id=project, message="hello")
                figures["cold"].append(cold["ms"])
                warm = timed_turn(chat, api, 2, stages["at once"], **follow_up(project, cold, "again"))
                figures["at once"].append(warm["ms"])
                time.sleep(READING_SECONDS)
                warm = timed_turn(chat, api, 3, stages["warm"], **follow_up(project, cold, "and again"))
                figures["warm"].append(warm["ms"])
                chat.close()
                chat = Chat(stack)
                figures["prewarmed"].append(prewarmed_turn(stack, chat, api, project, stages["prewarmed"]))
                chat.close()
            kept = cli_processes(stack, project)
            memory = [resident_bytes(pid) / 2**20 for pid in kept]
        finally:
            stack.stop()
    bare = statistics.median(figures["bare"])
    print("Fast turns (real Claude CLI, fake Messages API, local stack with the model gateway):")
    print("  " + row("(a) bare CLI: spawn -> first request", figures["bare"]))
    print("  (b) chat.send -> the request at the API:")
    for kind, label in KINDS.items():
        ratio = statistics.median(figures[kind]) / bare
        print("  " + row(f"    {label}", figures[kind]) + f"  = {ratio:.2f}x the bare start")
    for kind in KINDS:
        parts = ", ".join(f"{stage} {statistics.median(values):.0f} ms" for stage, values in stages[kind].items())
        print(f"  (c) {kind}, medians: send -> {parts}")
    answer, accepted = statistics.median(figures["kept"]), statistics.median(stages["warm"]["accepted"])
    print("  " + row("(e) bare kept CLI: stdin -> its request", figures["kept"]) + f"  = {answer / bare:.2f}x")
    print(
        f"      a warm follow-up cannot take less than the API's accept ({accepted:.0f} ms) and the kept CLI's own "
        f"answer together: {accepted + answer:.0f} ms = {(accepted + answer) / bare:.2f}x the bare start"
    )
    if memory:
        print(
            f"  (d) {len(memory)} kept CLI processes: {statistics.median(memory):.0f} MB resident each (median), "
            f"{sum(memory):.0f} MB together (budget: STUDIO_WARM_MEMORY_MB, 2048 MB by default)"
        )


def follow_up(project: str, first: dict[str, Any], message: str) -> dict[str, Any]:
    """A follow-up's chat.send as the web app sends it: the session's id and its project's (web/src/chat)."""
    return {"project_id": project, "sessionId": first["session"], "message": message}


def prewarmed_turn(stack: LocalStack, chat: Chat, api: FakeAnthropic, project: str, stages: dict) -> float:
    before = cli_processes(stack, project)
    chat.ws.send(json.dumps({"action": "chat.prewarm", "projectId": project}))
    reserved = chat.until(lambda e: e["type"] == "session.prewarming")["sessionId"]
    wait_until(lambda: cli_processes(stack, project) - before, timeout=60, what="the prewarmed process")
    time.sleep(READING_SECONDS)  # a person types for longer than this after focusing the composer
    return float(timed_turn(chat, api, 1, stages, project_id=project, message="hello", newSessionId=reserved)["ms"])


if __name__ == "__main__":
    run()
