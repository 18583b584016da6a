"""Meetings end to end: the local stack transcribing synthetic speech (espeak-ng → the offline recognizer), the
runner driving the real Claude CLI against the scripted fake Messages API for advice (streamed to the WebSocket)
and analysis (stored on the meeting, written as notes into the project, metered as meeting_analysis), its
failures, and a stack whose speech engine is turned off.

The tests run in the order written: first the stack without a speech engine (started and stopped before the
module's stack, so that only one runs at a time on a shared machine), then the tests sharing the module's stack.
"""

from __future__ import annotations

import io
import json
import threading
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply, Request
from tests.support.speech import requires_espeak, say
from tests.support.stack import LocalStack, bound_to, wait_until

pytestmark = [requires_claude, requires_espeak]
WAIT = 90
MEETINGS = "/api/meetings"
# What is said, and the words the transcript should hold (the recognizer mishears some synthetic speech).
SPOKEN = [
    ("The budget for the launch is approved.", ("budget", "launch", "approved")),
    ("We need a decision about the marketing campaign.", ("decision", "marketing", "campaign")),
    ("The price of the product goes up in April.", ("price", "product", "april")),
    ("The new office opens in September.", ("office", "september")),
    ("We agreed to hire two engineers in March.", ("hire", "engineers", "march")),
    ("We will call the bank tomorrow morning.", ("bank", "tomorrow", "morning")),
]
ADVICE = ["Confirm the venue today. ", "Ask who owns the marketing budget.\n", "Then agree on the contract date."]
ANALYSIS = {
    "summary": "The team approved the launch budget and planned the next steps.",
    "decisions": ["The launch budget is approved"],
    "actionItems": [
        {"task": "Book the venue", "owner": "Dana", "due": "Friday"},
        {"task": "Send the contract to the lawyer", "owner": None, "due": None},
    ],
    "openQuestions": ["Who runs the marketing campaign?"],
}


def wav_ms(data: bytes) -> int:
    with wave.open(io.BytesIO(data)) as audio:
        return audio.getnframes() * 1000 // audio.getframerate()


class Studio:
    """The REST API as the administrator."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {stack.admin_token()}"

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.stack.base_url}{path}", timeout=40, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def meeting(self, meeting_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"{MEETINGS}/{meeting_id}", 200))

    def start(self, title: str, project_id: str | None = None) -> str:
        body = {"title": title} | ({"projectId": project_id} if project_id else {})
        return str(self.call("POST", f"{MEETINGS}/start", 201, json=body)["id"])

    def speak(self, meeting_id: str, seq: int, start_ms: int, wav: bytes, expect: int = 201) -> Any:
        params = {"meetingId": meeting_id, "seq": seq, "startMs": start_ms}
        headers = {"Content-Type": "audio/wav"}
        return self.call("POST", f"{MEETINGS}/segments", expect, params=params, data=wav, headers=headers)

    def write(self, meeting_id: str, seq: int, text: str) -> None:
        body = {"meetingId": meeting_id, "seq": seq, "startMs": seq * 5_000, "text": text, "speaker": "Dana"}
        self.call("POST", f"{MEETINGS}/segments", 201, json=body)

    def settled(self, meeting_id: str) -> dict[str, Any]:
        """The meeting once its analysis has ended (bounded)."""

        def ended() -> dict[str, Any] | None:
            meeting = self.meeting(meeting_id)
            return meeting if meeting["status"] != "analyzing" else None

        return dict(wait_until(ended, timeout=WAIT, interval=0.3, what="the analysis to end"))


class Listener:
    """The administrator's WebSocket, collecting every event in the background."""

    def __init__(self, stack: LocalStack) -> None:
        self._connection = connect(stack.authed_ws_url(), max_size=2**20)
        self.ws = self._connection.__enter__()
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                with self._lock:
                    self.events.append(json.loads(raw))
        except ConnectionClosed:
            return

    def of(self, kind: str, **fields: Any) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.events if e.get("type") == kind and fields.items() <= e.items()]

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def admin(stack: LocalStack) -> Studio:
    return Studio(stack)


@pytest.fixture
def listener(stack: LocalStack) -> Iterator[Listener]:
    connection = Listener(stack)
    yield connection
    connection.close()


@pytest.fixture
def fresh_api(api: FakeAnthropic) -> FakeAnthropic:
    api.script()  # nothing left over from another test
    return api


@pytest.fixture(scope="module")
def captured(admin: Studio) -> dict[str, str]:
    """A meeting in a project, its speech transcribed: {"meeting", "project"}."""
    project = str(admin.call("POST", "/api/projects", 201, json={"name": "Launch"})["id"])
    meeting = admin.start("Launch planning", project)
    start_ms = 0
    for seq, (sentence, _) in enumerate(SPOKEN, start=1):
        wav = say(sentence)
        admin.speak(meeting, seq, start_ms, wav)
        start_ms += wav_ms(wav) + 500
    return {"meeting": meeting, "project": project}


def test_a_stack_without_a_speech_engine_puts_the_meeting_in_error(tmp_path: Path) -> None:
    # Given a stack whose transcription is turned off
    stack = LocalStack(tmp_path / "studio", env={"STUDIO_SPEECH_ENGINE": "off"}).start()
    try:
        admin = Studio(stack)
        meeting = admin.start("No engine")
        # When a spoken segment arrives
        refused = admin.speak(meeting, 1, 0, say("Is anybody there?"), expect=503)
        # Then it is refused as unavailable, and the meeting is in error, saying why, the segment kept for a retry
        assert "turned off" in json.dumps(refused), refused
        state = admin.meeting(meeting)
        assert state["status"] == "error" and state["failedSegments"] == [1], state
        assert "turned off" in state["error"]
    finally:
        stack.stop()


def test_speech_is_transcribed_into_the_meeting(admin: Studio, captured: dict[str, str]) -> None:
    # Given a meeting whose spoken segments were posted as WAV
    # When its transcript is read
    page = admin.call("GET", f"{MEETINGS}/transcript", 200, params={"meetingId": captured["meeting"]})
    # Then it holds most of the key words, each segment's lines in order
    heard = " ".join(line["text"] for line in page["lines"]).lower()
    words = [word for _, keys in SPOKEN for word in keys]
    found = [word for word in words if word in heard]
    assert len(found) >= 0.6 * len(words), f"heard {heard!r}; found {found} of {words}"
    seqs = [line["seq"] for line in page["lines"]]
    assert seqs == sorted(seqs) and set(seqs) <= set(range(1, len(SPOKEN) + 1)) and page["nextAfter"] is None
    meeting = admin.meeting(captured["meeting"])
    expected = ("active", len(SPOKEN), captured["project"])
    assert (meeting["status"], meeting["segmentCount"], meeting["projectId"]) == expected


def test_advice_streams_to_the_websocket_and_is_kept(
    admin: Studio, fresh_api: FakeAnthropic, listener: Listener, captured: dict[str, str]
) -> None:
    meeting = captured["meeting"]
    # Given Claude scripted to advise in three pieces, two seconds apart (so they stream as several events)
    fresh_api.script(Reply.text(ADVICE, delay=2.0))
    # When the owner asks for advice, with a question
    asked = admin.call("POST", f"{MEETINGS}/advise-now", 202, json={"meetingId": meeting, "question": "What next?"})
    advice_id = asked["adviceId"]
    events = wait_until(
        lambda: (
            (found := listener.of("meeting.advice", adviceId=advice_id))
            and found[-1]["status"] in ("done", "failed")
            and found
        ),
        timeout=WAIT,
        what="the advice to end",
    )
    # Then its text arrived in order, piece after piece, and ended done with the whole text
    assert [e["status"] for e in events[:-1]] == ["streaming"] * (len(events) - 1) and len(events) >= 3, events
    final = events[-1]
    assert final["status"] == "done", final
    whole = "".join(ADVICE).strip()
    assert "".join(e["delta"] for e in events[:-1]).strip() == whole == final["text"]
    # And the meeting keeps it
    kept = admin.meeting(meeting)["advice"][-1]
    assert (kept["adviceId"], kept["status"], kept["text"], kept["question"]) == (
        advice_id,
        "done",
        whole,
        "What next?",
    )
    # And Claude was asked with the transcript so far and the question, briefly, with no tools
    transcript = admin.call("GET", f"{MEETINGS}/transcript", 200, params={"meetingId": meeting})["lines"]
    request = _asked(fresh_api, "Be brief and practical.")
    assert all(line["text"] in request.last_user_text for line in transcript)
    assert "My question: What next?" in request.last_user_text
    assert request.tool_names == [] and "advising one participant" in request.system_text


def test_analysis_is_stored_written_into_the_project_and_metered(
    admin: Studio, stack: LocalStack, fresh_api: FakeAnthropic, listener: Listener, captured: dict[str, str]
) -> None:
    meeting, project = captured["meeting"], captured["project"]
    # Given the meeting stopped, and Claude scripted to answer the analysis as JSON
    assert admin.call("POST", f"{MEETINGS}/stop", 200, json={"meetingId": meeting})["status"] == "idle"
    fresh_api.script(Reply.text(["Here it is.\n```json\n", json.dumps(ANALYSIS, indent=1), "\n```\n"]))
    # When the owner has it analyzed
    started = admin.call("POST", f"{MEETINGS}/analyze", 202, json={"meetingId": meeting})
    assert started["status"] == "analyzing"
    done = admin.settled(meeting)
    # Then the meeting is complete with the analysis, and the notes' path in the project
    assert (done["status"], done["error"]) == ("complete", None), done
    analysis = done["analysis"]
    assert {key: analysis[key] for key in ANALYSIS} == ANALYSIS
    path = analysis["documentPath"]
    assert path.startswith("meetings/") and path.endswith(" Launch planning.md"), path

    # And the owner's sockets were told analyzing, then complete
    # (posted after the record is written, so the last event may arrive a moment after the record reads complete)
    def told() -> list[str] | None:
        statuses = [e["status"] for e in listener.of("meeting.status", meetingId=meeting)]
        return statuses if statuses[-1:] == ["complete"] else None

    statuses = wait_until(told, timeout=WAIT, what="the complete status on the owner's socket")
    assert statuses[-2:] == ["analyzing", "complete"], statuses
    # And the notes are a Markdown file of the project, the action items a checklist, the transcript at the end
    notes = admin.call("GET", f"/api/projects/{project}/files/content", 200, params={"path": path})["content"]
    assert notes.startswith("# Launch planning — meeting notes\n")
    assert "- [ ] Book the venue (owner: Dana, due: Friday)" in notes
    assert "- [ ] Send the contract to the lawyer (owner: unassigned)" in notes
    assert "## Open questions\n\n- Who runs the marketing campaign?" in notes and "## Transcript" in notes
    # And Claude was asked for the JSON object over the transcript; the gateway metered it as meeting_analysis
    request = _asked(fresh_api, "Answer with exactly one JSON object")
    assert "<transcript>\n[00:0" in request.last_user_text and request.tool_names == []
    kinds = wait_until(lambda: _usage(stack, project), timeout=WAIT, what="the usage rows")
    assert "meeting_analysis" in kinds


def test_a_failed_analysis_says_why_and_a_retry_completes(admin: Studio, fresh_api: FakeAnthropic) -> None:
    # Given a stopped meeting without a project, its transcript typed in
    meeting = admin.start("Quick sync")
    admin.write(meeting, 1, "We will ship the release on Monday.")
    admin.call("POST", f"{MEETINGS}/stop", 200, json={"meetingId": meeting})
    # When Claude answers words instead of the JSON object
    fresh_api.script(Reply.text("I am not able to analyze this meeting."))
    admin.call("POST", f"{MEETINGS}/analyze", 202, json={"meetingId": meeting})
    failed = admin.settled(meeting)
    # Then the meeting is in error, saying why
    assert failed["status"] == "error" and "holds no JSON object" in failed["error"], failed
    # When Claude's API fails
    fresh_api.script(Reply.http_error(500, "the fake is down"))
    admin.call("POST", f"{MEETINGS}/analyze", 202, json={"meetingId": meeting})
    down = admin.settled(meeting)
    assert down["status"] == "error" and "500" in down["error"], down
    # When it is analyzed again, Claude answering the JSON bare
    fresh_api.script(Reply.text(json.dumps({"summary": "The release ships on Monday."})))
    admin.call("POST", f"{MEETINGS}/analyze", 202, json={"meetingId": meeting})
    done = admin.settled(meeting)
    # Then it is complete; with no project, no notes were written anywhere
    assert (done["status"], done["error"]) == ("complete", None), done
    assert done["analysis"] == {
        "summary": "The release ships on Monday.", "decisions": [], "actionItems": [], "openQuestions": [],
        "documentPath": None,
    }  # fmt: skip


def _asked(api: FakeAnthropic, needle: str) -> Request:
    """The model request whose last user message holds `needle` (the CLI may make side calls of its own)."""
    return next(r for r in reversed(api.message_requests) if needle in r.last_user_text)


def _usage(stack: LocalStack, project_id: str) -> set[str]:
    """The kinds of the project's usage events (no route reads them: the table, as the usage domain writes it)."""
    from shared.models.usage import UsageEvent

    with bound_to(stack):
        return {event.kind for event in UsageEvent.scan() if event.project_id == project_id}
