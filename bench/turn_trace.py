"""Where a turn's time goes: every AWS call from `chat.send` to the request at the model, on one timeline.

The local stack runs with a call log (STUDIO_AWS_CALL_LOG: each call's start, duration and process); the real Claude
CLI answers through the scripted fake Messages API. After a first turn warms the session, each follow-up prints its
calls in order, as milliseconds after chat.send, with the client's marks (message.accepted, turn.started) and the
request's arrival among them; then a new chat's first turn (cold: the gaps are the box and the CLI's start).
bench/fast_turns.py gives the medians; this says what they are made of.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.aws_cost import CallLog
from bench.chat import CLAUDE, _project
from shared.constants import Env
from tests.e2e.test_chat import Chat
from tests.support.claude import claude_env
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

TURNS = 3


def run() -> None:
    if not CLAUDE.exists():
        print("Turn trace skipped: the pinned Claude CLI is not installed (make deps-runner).")
        return
    with FakeAnthropic() as api, tempfile.TemporaryDirectory() as folder:
        log = CallLog(Path(folder) / "aws-calls.log")
        env = {**claude_env(api), Env.AWS_CALL_LOG: str(log.path), Env.TICK_INTERVAL_SECONDS: "3600"}
        stack = LocalStack(Path(folder) / "stack", env=env).start()
        try:
            chat = Chat(stack)
            api.script(Reply.text(["ready"]))
            project = _project(stack)
            chat.send(project, "hello")
            session_id = chat.until(lambda e: e["type"] == "session.created")["sessionId"]
            chat.turn_end(1)
            log.wait_quiet(log.mark())
            for turn in range(2, TURNS + 2):
                trace_turn(chat, api, log, turn, project_id=project, message=f"again ({turn})", sessionId=session_id)
                log.wait_quiet(log.mark())
            chat.close()
            cold = Chat(stack)
            trace_turn(cold, api, log, 1, project_id=project, message="a new chat")
            cold.close()
        finally:
            stack.stop()


def trace_turn(chat: Chat, api: FakeAnthropic, log: CallLog, turn: int, **message: Any) -> None:
    api.script(Reply.text(["fine"]))
    before, mark = len(api.message_requests), log.mark()
    offset = time.time() - time.monotonic()  # the call log's clock is the wall clock
    sent = time.monotonic()
    chat.send(**message)
    chat.until(lambda e: e["type"] == "message.accepted")
    marks = [(time.monotonic(), "client: message.accepted")]
    chat.until(lambda e: e["type"] == "turn.started" and e.get("turn") == turn)
    marks.append((time.monotonic(), "client: turn.started"))
    chat.turn_end(turn)
    marks.append((api.message_requests[before].arrived_at, "fake API: the request"))
    arrived = marks[-1][0]
    lines = [(at - sent, f"{'':>8}  {label}") for at, label in marks]
    processes: dict[int, str] = {}
    for call in log.since(mark):
        start = call.started - offset - sent
        if start > arrived - sent:
            continue
        name = processes.setdefault(call.process, f"p{len(processes) + 1}")
        lines.append((start, f"{call.ms:6.1f}ms {name:<3} {call.service} {call.operation} {call.table}"))
    kind = "a new chat's first turn (cold)" if turn == 1 else f"follow-up {turn} (warm)"
    print(f"{kind}: chat.send -> request {(arrived - sent) * 1000:.0f} ms")
    for at, text in sorted(lines):
        print(f"  {at * 1000:7.1f}  {text}")


if __name__ == "__main__":
    run()
