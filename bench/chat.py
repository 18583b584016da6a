"""Chat through the local stack with the real Claude CLI and a scripted fake Messages API.

(a) relay latency: the fake API writes a token → a WebSocket client receives it (same clock: both here);
(b) turn overhead: chat.send → the fake API receives the CLI's request, for a new session and a follow-up,
    without and with the runner's uid sandbox, in the same run (the model gateway is on both paths);
(c) WebSocket posts per second while streaming, against the tokens per second the API sent (coalescing);
(d) resident memory of an idle CLI process kept alive in stream-json mode after one turn.
"""

from __future__ import annotations

import json
import os
import statistics
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


def one_round(stack: LocalStack, api: FakeAnthropic, project: str, figures: dict[str, list[float]]) -> None:
    """A new session streaming 20 tokens, then a follow-up turn in it: relay latency and turn overheads."""
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
            figures["relay"].append((received - max(written)) * 1000)
    figures["new"].append((api.message_requests[requests_before].arrived_at - sent) * 1000)
    requests_before = len(api.message_requests)
    sent = time.monotonic()
    chat.send(message="again", sessionId=created["sessionId"])
    chat.turn_end(2)
    figures["follow"].append((api.message_requests[requests_before].arrived_at - sent) * 1000)
    chat.close()


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


def _stack(api: FakeAnthropic, data_dir: Path, sandbox: str) -> LocalStack:
    env = {
        "ANTHROPIC_BASE_URL": api.url,
        "ANTHROPIC_API_KEY": TEST_API_KEY,
        "CLAUDE_CODE_MAX_RETRIES": "0",
        "STUDIO_SANDBOX": sandbox,
    }
    return LocalStack(data_dir / f"stack-{sandbox}", env=env).start()


def run() -> None:
    if not CLAUDE.exists():
        print("Chat benchmark skipped: the pinned Claude CLI is not installed (make deps-runner).")
        return
    modes = ["none", "uid"] if os.geteuid() == 0 else ["none"]
    figures: dict[str, dict[str, list[float]]] = {mode: {"relay": [], "new": [], "follow": []} for mode in modes}
    with FakeAnthropic() as api, tempfile.TemporaryDirectory() as data_dir:
        stacks = {mode: _stack(api, Path(data_dir), mode) for mode in modes}
        try:
            projects = {mode: _project(stack) for mode, stack in stacks.items()}
            for _ in range(TURNS):  # rounds alternate between the stacks, so both see the same machine load
                for mode, stack in stacks.items():
                    one_round(stack, api, projects[mode], figures[mode])
            posts, tokens, deltas = posts_per_second(stacks[modes[-1]], api)
        finally:
            for stack in stacks.values():
                stack.stop()
        memory = idle_cli_memory(api, Path(data_dir) / "cli")
    print("Chat through the local stack (real Claude CLI, fake Messages API, through the runner's model gateway):")
    for mode in modes:
        label = "uid sandbox" if mode == "uid" else "no sandbox"
        print("  " + row(f"(a) relay, {label}: API token -> client", figures[mode]["relay"]))
        print("  " + row(f"(b) {label}: chat.send -> API, new session", figures[mode]["new"]))
        print("  " + row(f"(b) {label}: chat.send -> API, follow-up", figures[mode]["follow"]))
    if len(modes) == 2:
        for kind in ("new", "follow"):
            ratio = statistics.median(figures["uid"][kind]) / statistics.median(figures["none"][kind])
            print(f"  (b) {kind}: the uid sandbox's median turn overhead is {ratio:.2f}x the unsandboxed one")
    print(f"  (c) streaming: {tokens:.0f} tokens/s from the API became {posts:.1f} WebSocket posts/s ({deltas} posts)")
    print(f"  (d) an idle kept-alive CLI process holds {memory:.0f} MB resident")


if __name__ == "__main__":
    run()
