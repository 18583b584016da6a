"""Chat through the local stack with the real Claude CLI and a scripted fake Messages API.

(a) relay latency: the fake API writes a token → a WebSocket client receives it (same clock: both here);
(b) turn overhead: chat.send → the fake API receives the CLI's request, for a new session and a follow-up;
(c) WebSocket posts per second while streaming, against the tokens per second the API sent (coalescing);
(d) resident memory of an idle CLI process kept alive in stream-json mode after one turn.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from bench.stats import row
from tests.e2e.test_chat import Chat
from tests.support.fake_anthropic import TEST_API_KEY, FakeAnthropic, Reply
from tests.support.stack import ROOT, LocalStack

CLAUDE = ROOT / "runner" / "node_modules" / ".bin" / "claude"
TURNS = 15
STREAM_TOKENS = 400


def _project(stack: LocalStack) -> str:
    response = requests.post(
        f"{stack.base_url}/api/projects",
        json={"name": f"bench {time.monotonic_ns()}"},
        headers={"Authorization": f"Bearer {stack.admin_token()}"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def relay_and_overhead(stack: LocalStack, api: FakeAnthropic) -> dict[str, list[float]]:
    relay: list[float] = []
    new_session: list[float] = []
    follow_up: list[float] = []
    project = _project(stack)
    for _ in range(TURNS):
        chat = Chat(stack)
        api.script(Reply.text([f"token{n} " for n in range(20)], delay=0.02), Reply.text(["again"]))
        requests_before = len(api.message_requests)
        sent = time.monotonic()
        chat.send(project, "hello")
        created = chat.until(lambda e: e["type"] == "session.created")
        while True:
            event = chat.until(lambda e: e["type"] in ("text.delta", "turn.done", "error"))
            if event["type"] != "text.delta":
                break
            received = time.monotonic()
            written = [w.written_at for w in api.chunk_writes if w.text.strip() and w.text in event["text"]]
            if written:
                relay.append((received - max(written)) * 1000)
        new_session.append((api.message_requests[requests_before].arrived_at - sent) * 1000)
        requests_before = len(api.message_requests)
        sent = time.monotonic()
        chat.send(message="again", sessionId=created["sessionId"])
        chat.turn_end(2)
        follow_up.append((api.message_requests[requests_before].arrived_at - sent) * 1000)
        chat.close()
    return {"relay": relay, "new": new_session, "follow": follow_up}


def posts_per_second(stack: LocalStack, api: FakeAnthropic) -> tuple[float, float, int]:
    chat = Chat(stack)
    api.script(Reply.text([f"t{n} " for n in range(STREAM_TOKENS)], delay=0.005))
    chat.send(_project(stack), "stream a lot")
    first = chat.until(lambda e: e["type"] == "text.delta")
    started, deltas = time.monotonic(), 1
    while chat.until(lambda e: e["type"] in ("text.delta", "turn.done"))["type"] == "text.delta":
        deltas += 1
    seconds = max(time.monotonic() - started, 1e-3)
    chat.close()
    assert first
    return deltas / seconds, STREAM_TOKENS / seconds, deltas


def idle_cli_memory(api: FakeAnthropic, home: Path) -> float:
    """RSS (MB) of the CLI and its children, idle after one turn in kept-alive stream-json mode."""
    api.script(Reply.text(["ready"]))
    workdir = home / "work"
    workdir.mkdir(parents=True)
    command = [str(CLAUDE), "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose"]
    process = subprocess.Popen(
        command, cwd=workdir, env=api.cli_env(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert process.stdin and process.stdout
    process.stdin.write(json.dumps({"type": "user", "message": {"role": "user", "content": "hi"}}).encode() + b"\n")
    process.stdin.flush()
    for raw in process.stdout:
        if json.loads(raw).get("type") == "result":
            break
    time.sleep(2)  # idle: let start-up garbage settle before reading memory (a measurement, not a wait for work)
    rss_kb = 0
    for pid in [process.pid, *_children(process.pid)]:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kb += int(line.split()[1])
    process.stdin.close()
    process.wait(timeout=30)
    return rss_kb / 1024


def _children(pid: int) -> list[int]:
    found = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(path.read_text().split()[3]) == pid:
                found.append(int(path.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def run() -> None:
    if not CLAUDE.exists():
        print("Chat benchmark skipped: the pinned Claude CLI is not installed (make deps-runner).")
        return
    with FakeAnthropic() as api, tempfile.TemporaryDirectory() as data_dir:
        env = {"ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": TEST_API_KEY, "CLAUDE_CODE_MAX_RETRIES": "0"}
        stack = LocalStack(Path(data_dir) / "stack", env=env).start()
        try:
            figures = relay_and_overhead(stack, api)
            posts, tokens, deltas = posts_per_second(stack, api)
        finally:
            stack.stop()
        memory = idle_cli_memory(api, Path(data_dir) / "cli")
    print("Chat through the local stack (real Claude CLI, fake Messages API):")
    print("  " + row("(a) relay: API writes a token -> client has it", figures["relay"]))
    print("  " + row("(b) chat.send -> API request, new session", figures["new"]))
    print("  " + row("(b) chat.send -> API request, follow-up turn", figures["follow"]))
    print(f"  (c) streaming: {tokens:.0f} tokens/s from the API became {posts:.1f} WebSocket posts/s ({deltas} posts)")
    print(f"  (d) an idle kept-alive CLI process holds {memory:.0f} MB resident")


if __name__ == "__main__":
    run()
