"""The web app's Sequencer (web/src/chat/sequencer.js), run by Node: skipped numbers, a streaming turn's gaps."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.support.stack import ROOT

SEQUENCER = ROOT / "web" / "src" / "chat" / "sequencer.js"
# Feeds the steps read from stdin to a Sequencer; prints, per step, the seqs it released and the replays it asked.
HARNESS = f"""
import {{ readFileSync }} from 'node:fs';
import {{ Sequencer }} from '{SEQUENCER.as_uri()}';
const asked = [];
const sequencer = new Sequencer((sessionId, lastSeq) => {{ asked.push(lastSeq); return true; }});
const results = JSON.parse(readFileSync(0, 'utf8')).map((event) => ({{
  released: sequencer.accept({{ sessionId: 's', ...event }}).map((e) => e.seq ?? e.type),
  asked: asked.splice(0),
}}));
console.log(JSON.stringify(results));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def run(*events: dict[str, Any]) -> list[dict[str, list[Any]]]:
    """Each event given to the sequencer in turn: what it released and which replays (from seq) it asked for."""
    node = shutil.which("node") or "node"
    command = [node, "--input-type=module", "-e", HARNESS]
    result = subprocess.run(command, input=json.dumps(events), capture_output=True, text=True, check=True)
    return list(json.loads(result.stdout))


def event(seq: int, kind: str = "text.delta") -> dict[str, Any]:
    return {"type": kind, "seq": seq}


def skipped(seq: int, through: int) -> dict[str, Any]:
    return {"type": "seq.skipped", "seq": seq, "through": through}


def resumed(*, streaming: bool) -> dict[str, Any]:
    return {"type": "session.resumed", "streaming": streaming}


def test_the_numbers_a_turn_did_not_use_are_passed_over_without_a_replay() -> None:
    steps = run(event(1), event(2), skipped(3, 10), event(11), event(2))

    assert [step["released"] for step in steps] == [[1], [2], [], [11], []]
    assert all(step["asked"] == [] for step in steps)


def test_an_event_numbered_after_a_streaming_turns_block_waits_for_the_block_without_giving_up() -> None:
    # The API accepts a message (seq 130) while the turn, holding 2..129, has sent only seq 1
    steps = run(
        event(1, "turn.started"),
        event(130, "message.accepted"),
        resumed(streaming=True),
        event(2),
        event(3),
        skipped(4, 129),
    )

    released = [step["released"] for step in steps]
    assert released == [[1], [], ["session.resumed"], [2], [3], [130]]
    assert [step["asked"] for step in steps] == [[], [1], [], [], [], []]  # one replay, none while the turn fills it


def test_a_gap_is_not_given_up_while_a_turn_streams_and_is_after_two_replays_once_it_ended() -> None:
    steps = run(
        event(1),
        event(5),  # 2..4 missing: a replay is asked
        resumed(streaming=True),  # the turn may still send or log them: wait
        event(6),  # nothing filled: ask again
        resumed(streaming=False),
        resumed(streaming=False),  # the log cannot fill the gap twice: carry on from what is held
    )

    assert [step["asked"] for step in steps] == [[], [1], [], [1], [1], []]
    assert [step["released"] for step in steps][-1] == [5, 6, "session.resumed"]


def test_a_gap_a_replay_fills_is_released_in_order() -> None:
    steps = run(event(1), event(3), event(2), event(3))

    assert [step["released"] for step in steps] == [[1], [], [2, 3], []]
    assert steps[1]["asked"] == [1]
