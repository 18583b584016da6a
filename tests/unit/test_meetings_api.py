"""Meetings through the REST API (moto in-process): capture, segments (audio and text), transcript, retry after a
transcription failure, advice and analysis queued once, the runner's writes, the tick's sweep, and deletion.

The speech engine is a fake put in the domain's lookup (`capture.engine`); one test runs the real local engine.
"""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from shared import aws, lifecycle
from shared.meetings import capture, recordings
from shared.meetings import jobs as meeting_jobs
from shared.meetings.audio import MAX_SEGMENT_BYTES
from shared.meetings.speech import Audio, Phrase, SpeechUnavailableError
from shared.meetings.sweep import AUTO_STOP_AFTER
from shared.models.base import utcnow
from shared.models.meetings import Meeting, TranscriptSegment
from shared.models.projects import ProjectMember, ProjectRole
from shared.realtime import connections
from shared.scheduling.tick import run_tick
from shared.settings import Settings
from tests.support.accounts import AccountsStack, Person, Reply, call, create_user, register_first
from tests.support.aws import ACCOUNT_ID, drain_queue, posted_events, queued_messages
from tests.support.speech import requires_espeak, say

WAV = "audio/wav"


@dataclass
class FakeEngine:
    """Answers the phrases it is given for each call (a default one when none are left), or is unavailable."""

    name: str = "fake"
    script: list[list[Phrase]] = field(default_factory=list)
    unavailable: str | None = None
    calls: int = 0

    def transcribe(self, audio: Audio, *, language: str = "en-US") -> list[Phrase]:
        self.calls += 1
        if self.unavailable:
            raise SpeechUnavailableError(self.unavailable)
        return self.script.pop(0) if self.script else [Phrase("hello there", 100, 900)]


@pytest.fixture
def stack(accounts: AccountsStack) -> Iterator[Settings]:
    apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections.clear()
    drain_queue(accounts.settings)
    yield accounts.settings
    drain_queue(accounts.settings)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    fake = FakeEngine()
    monkeypatch.setattr(capture, "engine", lambda: fake)
    return fake


@pytest.fixture
def alice(stack: Settings) -> Person:
    return register_first("alice")


@pytest.fixture
def bob(alice: Person) -> Person:
    return create_user(alice, "bob")


def claude_configured(accounts: AccountsStack) -> None:
    accounts.configure(ANTHROPIC_API_KEY="sk-ant-test-key")


def wav(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(2 * int(seconds * rate)))
    return buffer.getvalue()


def start(person: Person, **body: Any) -> dict[str, Any]:
    reply = call("POST", "/api/meetings/start", json_body=body, token=person.token)
    assert reply.status == 201, reply.json
    return dict(reply.json)


def audio(person: Person, meeting: str, seq: int, start_ms: int = 0, data: bytes | None = None, **kw: Any) -> Reply:
    query = {"meetingId": meeting, "seq": str(seq), "startMs": str(start_ms)}
    headers = {"Content-Type": kw.pop("content_type", WAV)}
    return call("POST", "/api/meetings/segments", raw_body=wav() if data is None else data, query=query,
                headers=headers, token=person.token)  # fmt: skip


def text(person: Person, meeting: str, seq: int, said: str, start_ms: int = 0, **more: Any) -> Reply:
    body = {"meetingId": meeting, "seq": seq, "startMs": start_ms, "text": said, **more}
    return call("POST", "/api/meetings/segments", json_body=body, token=person.token)


def act(person: Person, verb: str, meeting: str, **body: Any) -> Reply:
    return call("POST", f"/api/meetings/{verb}", json_body={"meetingId": meeting, **body}, token=person.token)


def lines(person: Person, meeting: str, **query: str) -> Reply:
    return call("GET", "/api/meetings/transcript", query={"meetingId": meeting, **query}, token=person.token)


def opened(person: Person, meeting: str) -> dict[str, Any]:
    reply = call("GET", f"/api/meetings/{meeting}", token=person.token)
    assert reply.status == 200, reply.json
    return dict(reply.json)


def jobs_queued(settings: Settings) -> list[dict[str, Any]]:
    from shared.jobs import store as job_store

    found = []
    for message in queued_messages(settings, visibility=30):
        job = job_store.get(json.loads(message["Body"])["job_id"])
        assert job is not None
        found.append({"type": job.job_type, "payload": job.payload, "group": job.group_id})
    return found


# --- the meeting's life ---------------------------------------------------------------------------------------------


def test_a_meeting_is_started_listed_opened_renamed_stopped_and_deleted(alice: Person) -> None:
    # Given two meetings started one after the other
    first = start(alice, title="Kick-off")
    second = start(alice)
    assert (first["status"], first["title"], first["segmentCount"], first["stoppedAt"]) == (
        "active",
        "Kick-off",
        0,
        None,
    )
    assert first["advice"] == [] and first["analysis"] is None and first["failedSegments"] == []

    # When they are listed, a page at a time / then newest first, with the cursor to the next page
    page = call("GET", "/api/meetings", query={"limit": "1"}, token=alice.token).json
    assert [m["id"] for m in page["meetings"]] == [second["id"]] and page["nextBefore"]
    rest = call("GET", "/api/meetings", query={"limit": "1", "before": page["nextBefore"]}, token=alice.token).json
    assert [m["id"] for m in rest["meetings"]] == [first["id"]] and rest["nextBefore"] is None

    # When one is renamed and stopped / then it is captured, not analyzed
    renamed = call("PATCH", f"/api/meetings/{first['id']}", json_body={"title": "Planning"}, token=alice.token)
    assert renamed.status == 200 and renamed.json["title"] == "Planning"
    stopped = act(alice, "stop", first["id"])
    assert stopped.status == 200 and stopped.json["status"] == "idle" and stopped.json["stoppedAt"]
    assert stopped.json["stoppedAutomatically"] is False

    # When it is deleted / then it is gone
    assert call("DELETE", f"/api/meetings/{first['id']}", token=alice.token).status == 204
    assert call("GET", f"/api/meetings/{first['id']}", token=alice.token).status == 404
    assert [m["id"] for m in call("GET", "/api/meetings", token=alice.token).json["meetings"]] == [second["id"]]


def test_a_meeting_is_its_owners_alone(alice: Person, bob: Person) -> None:
    # Given bob's meeting in his project, where alice is a viewer, and alice an administrator
    project = call("POST", "/api/projects", json_body={"name": "sales"}, token=bob.token).json["id"]
    ProjectMember(project, alice.id, role=ProjectRole.VIEWER.value).save()
    meeting = start(bob, projectId=project)["id"]
    assert opened(bob, meeting)["projectId"] == project

    # When alice names it anywhere / then there is no such meeting
    for reply in (
        call("GET", f"/api/meetings/{meeting}", token=alice.token),
        call("PATCH", f"/api/meetings/{meeting}", json_body={"title": "Mine"}, token=alice.token),
        call("DELETE", f"/api/meetings/{meeting}", token=alice.token),
        lines(alice, meeting),
        text(alice, meeting, 1, "hello"),
        audio(alice, meeting, 1),
        act(alice, "stop", meeting),
        act(alice, "analyze", meeting),
        act(alice, "retry", meeting),
        act(alice, "advise-now", meeting),
    ):
        assert (reply.status, reply.code) == (404, "meeting_not_found"), reply.json
    assert call("GET", "/api/meetings", token=alice.token).json["meetings"] == []
    # and a viewer of a project cannot start a meeting in it; a stranger does not see it at all
    refused = call("POST", "/api/meetings/start", json_body={"projectId": project}, token=alice.token)
    assert (refused.status, refused.code) == (403, "read_only_project")
    carol = create_user(alice, "carol")
    hidden = call("POST", "/api/meetings/start", json_body={"projectId": project}, token=carol.token)
    assert (hidden.status, hidden.code) == (404, "project_not_found")


def test_bad_requests_are_refused_with_a_message(alice: Person, engine: FakeEngine) -> None:
    meeting = start(alice)["id"]
    cases = [
        call("POST", "/api/meetings/start", json_body={"title": "x" * 201}, token=alice.token),
        call(
            "POST",
            "/api/meetings/segments",
            body="{not json",
            headers={"Content-Type": "application/json"},
            token=alice.token,
        ),
        text(alice, meeting, 1, "x" * 5_001),
        text(alice, meeting, 1, "   "),
        text(alice, meeting, 0, "hello"),
        text(alice, meeting, 1, "hello", start_ms=500, endMs=100),
        audio(alice, meeting, 1, data=b"\x1a\x45\xdf\xa3" + bytes(100), content_type="audio/webm"),
        audio(alice, meeting, 1, data=b"\x1a\x45\xdf\xa3" + bytes(100)),
        audio(alice, meeting, 1, data=bytes(100), content_type="audio/L16"),
        call(
            "POST",
            "/api/meetings/segments",
            raw_body=wav(),
            query={"seq": "1"},
            headers={"Content-Type": WAV},
            token=alice.token,
        ),
        lines(alice, "not-a-meeting"),
        act(alice, "stop", "not-a-meeting"),
    ]
    for reply in cases:
        assert reply.status == 400, reply.json
        assert reply.json["error"]["message"], reply.json
    too_large = audio(alice, meeting, 1, data=b"RIFF" + bytes(MAX_SEGMENT_BYTES))
    assert too_large.status == 413 and "at most" in too_large.json["error"]["message"]
    assert engine.calls == 0 and opened(alice, meeting)["segmentCount"] == 0


# --- segments -------------------------------------------------------------------------------------------------------


def test_an_audio_segment_is_transcribed_stored_answered_and_announced(alice: Person, engine: FakeEngine) -> None:
    # Given alice's meeting, a connection of hers open, and the engine hearing two phrases
    connections.remember("conn-alice", user_id=alice.id)
    meeting = start(alice)["id"]
    engine.script.append(
        [Phrase("good morning", 200, 1_100, "A"), Phrase("", 1_200, 1_300), Phrase("hi", 1_400, 1_800)]
    )

    # When a 5-second segment starting 10 s into the meeting is posted
    reply = audio(alice, meeting, 3, start_ms=10_000, data=wav(5.0, rate=48_000))

    # Then its lines are answered, at the meeting's times, and posted to her connection
    expected = [
        {"seq": 3, "startMs": 10_200, "endMs": 11_100, "speaker": "A", "text": "good morning"},
        {"seq": 3, "startMs": 11_400, "endMs": 11_800, "speaker": None, "text": "hi"},
    ]
    assert reply.status == 201, reply.json
    assert reply.json == {"meetingId": meeting, "seq": 3, "lines": expected}
    assert posted_events("conn-alice") == [{"type": "meeting.transcript", "meetingId": meeting, "lines": expected}]
    assert lines(alice, meeting).json == {"meetingId": meeting, "lines": expected, "nextAfter": None}
    segment = TranscriptSegment.get(meeting, 3)
    assert (segment.text, segment.start_ms, segment.end_ms, segment.audio_key) == (
        "good morning hi",
        10_000,
        15_000,
        None,
    )
    assert opened(alice, meeting)["segmentCount"] == 1
    # and no audio is kept for a segment that was transcribed
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket=stack_bucket(), Prefix="meetings/")


def stack_bucket() -> str:
    from shared.settings import get_settings

    return get_settings().workspace_bucket


def test_a_repeated_seq_gets_the_same_answer_and_no_second_segment(alice: Person, engine: FakeEngine) -> None:
    meeting = start(alice)["id"]
    first = audio(alice, meeting, 1)
    engine.script.append([Phrase("something else", 0, 500)])

    again = audio(alice, meeting, 1)
    text_again = text(alice, meeting, 1, "a browser's words")

    assert first.status == again.status == text_again.status == 201
    assert first.json == again.json == text_again.json
    assert engine.calls == 1
    assert len(list(TranscriptSegment.query(meeting))) == 1 and opened(alice, meeting)["segmentCount"] == 1


def test_the_transcript_is_in_seq_order_whatever_order_segments_arrive_in(alice: Person) -> None:
    meeting = start(alice)["id"]
    for seq in (3, 1, 2):
        assert text(alice, meeting, seq, f"part {seq}", start_ms=seq * 5_000, speaker="Dana").status == 201

    whole = lines(alice, meeting).json
    first_page = lines(alice, meeting, limit="2").json
    second_page = lines(alice, meeting, after=str(first_page["nextAfter"]), limit="2").json

    assert [line["text"] for line in whole["lines"]] == ["part 1", "part 2", "part 3"]
    assert whole["lines"][0] == {"seq": 1, "startMs": 5_000, "endMs": 5_000, "speaker": "Dana", "text": "part 1"}
    assert ([line["seq"] for line in first_page["lines"]], first_page["nextAfter"]) == ([1, 2], 2)
    assert ([line["seq"] for line in second_page["lines"]], second_page["nextAfter"]) == ([3], None)
    # and the meeting remembers the highest seq it received, so a capture after a reload goes on after it
    assert call("GET", f"/api/meetings/{meeting}", token=alice.token).json["lastSeq"] == 3


def test_segments_for_a_meeting_that_is_not_capturing_are_refused(alice: Person, engine: FakeEngine) -> None:
    meeting = start(alice)["id"]
    assert text(alice, meeting, 1, "before the stop").status == 201
    act(alice, "stop", meeting)

    for reply in (text(alice, meeting, 2, "too late"), audio(alice, meeting, 2), act(alice, "stop", meeting)):
        assert (reply.status, reply.code) == (409, "not_capturing"), reply.json
        assert reply.json["error"] | {"requestId": None} == {
            "code": "not_capturing", "message": "The meeting is not being captured.", "status": "idle",
            "requestId": None,
        }  # fmt: skip
    # a segment already stored still answers what it did
    assert text(alice, meeting, 1, "before the stop").status == 201
    assert engine.calls == 0


# --- transcription failures and retry -------------------------------------------------------------------------------


def test_an_engine_failure_keeps_the_audio_and_a_retry_resumes_the_meeting(alice: Person, engine: FakeEngine) -> None:
    # Given a meeting with one segment transcribed, and the engine then unavailable
    connections.remember("conn-alice", user_id=alice.id)
    meeting = start(alice)["id"]
    assert audio(alice, meeting, 1).status == 201
    engine.unavailable = "the recognizer is not installed"

    # When segments 2 and 3 are posted
    failed = audio(alice, meeting, 2, start_ms=5_000)
    later = audio(alice, meeting, 3, start_ms=10_000)

    # Then each answers 503 saying why; the meeting is in error with the reason and still capturing
    assert (failed.status, failed.code) == (503, "transcription_unavailable")
    assert "the recognizer is not installed" in failed.json["error"]["message"]
    assert (later.status, failed.json["error"]["seq"]) == (503, 2)
    state = opened(alice, meeting)
    assert (state["status"], state["error"], state["failedSegments"]) == (
        "error",
        "the recognizer is not installed",
        [2, 3],
    )
    announced = {"type": "meeting.status", "meetingId": meeting, "status": "error", "failedSegments": [2]}
    assert {**announced, "error": "the recognizer is not installed"} in posted_events("conn-alice")
    # and the audio of both is kept, as WAV, with the segments recorded as failed
    segment = TranscriptSegment.get(meeting, 2)
    assert (segment.status, segment.audio_key) == ("failed", recordings.key_for(meeting, 2))
    with wave.open(io.BytesIO(recordings.read(segment.audio_key))) as kept:
        assert (kept.getframerate(), kept.getnframes()) == (16_000, 16_000)
    # and the same seq again answers the same failure, without asking the engine
    calls = engine.calls
    assert audio(alice, meeting, 2, start_ms=5_000).code == "transcription_unavailable" and engine.calls == calls

    # When a retry runs while the engine is still down / then nothing changes
    assert act(alice, "retry", meeting).code == "transcription_unavailable"
    assert opened(alice, meeting)["failedSegments"] == [2, 3]

    # When the engine is back and the meeting is retried
    engine.unavailable = None
    engine.script += [[Phrase("second", 0, 400)], [Phrase("third", 0, 400)]]
    retried = act(alice, "retry", meeting)

    # Then the failed segments are transcribed in order and the meeting is active again, the transcript whole
    assert retried.status == 200, retried.json
    assert (retried.json["status"], retried.json["error"], retried.json["failedSegments"]) == ("active", None, [])
    assert [(line["seq"], line["text"]) for line in lines(alice, meeting).json["lines"]] == [
        (1, "hello there"), (2, "second"), (3, "third"),
    ]  # fmt: skip
    assert retried.json["segmentCount"] == 3
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket=stack_bucket(), Prefix="meetings/")
    assert act(alice, "retry", meeting).code == "nothing_to_retry"
    assert audio(alice, meeting, 4).status == 201


def test_a_meeting_stopped_while_in_error_returns_to_idle_after_its_retry(alice: Person, engine: FakeEngine) -> None:
    meeting = start(alice)["id"]
    engine.unavailable = "throttled"
    assert audio(alice, meeting, 1).status == 503
    stopped = act(alice, "stop", meeting)
    assert (stopped.status, stopped.json["status"]) == (200, "error")
    assert act(alice, "analyze", meeting).code == "segments_failed"

    engine.unavailable = None
    retried = act(alice, "retry", meeting)

    assert (retried.json["status"], retried.json["failedSegments"]) == ("idle", [])
    assert text(alice, meeting, 2, "late").code == "not_capturing"


@requires_espeak
def test_the_real_local_engine_transcribes_speech(alice: Person) -> None:
    # Given the engine the settings choose (the offline recognizer) and a sentence spoken by espeak-ng
    meeting = start(alice)["id"]

    # When it is posted as a segment
    reply = audio(alice, meeting, 1, data=say("Hello world, this is a test of the meeting."))

    # Then words of it are in the transcript
    assert reply.status == 201, reply.json
    heard = " ".join(line["text"] for line in reply.json["lines"]).lower()
    assert any(word in heard for word in ("hello", "world", "test", "meeting")), heard


# --- analysis and advice --------------------------------------------------------------------------------------------


def test_analyze_moves_a_stopped_meeting_to_analyzing_and_queues_exactly_one_job(
    alice: Person, stack: Settings, accounts: AccountsStack
) -> None:
    # Given a meeting with a transcript, still capturing, and Claude not configured
    meeting = start(alice)["id"]
    assert act(alice, "analyze", meeting).json["error"] | {"requestId": None} == {
        "code": "meeting_state", "message": "Stop the meeting before analyzing it.", "status": "active",
        "requestId": None,
    }  # fmt: skip
    act(alice, "stop", meeting)
    assert act(alice, "analyze", meeting).code == "empty_transcript"
    assert act(alice, "stop", meeting).code == "not_capturing"
    meeting = start(alice)["id"]
    text(alice, meeting, 1, "We ship on Friday.")
    act(alice, "stop", meeting)
    not_configured = act(alice, "analyze", meeting)
    assert (not_configured.status, not_configured.code) == (409, "claude_not_configured")
    assert "Settings → AI provider" in not_configured.json["error"]["message"]
    claude_configured(accounts)

    # When analyze is clicked twice
    first = act(alice, "analyze", meeting)
    second = act(alice, "analyze", meeting)

    # Then the first answers 202 analyzing, the second 409 with the status, and one job is queued
    assert (first.status, first.json["status"]) == (202, "analyzing")
    assert (second.status, second.code, second.json["error"]["status"]) == (409, "analysis_running", "analyzing")
    assert jobs_queued(stack) == [
        {"type": "meeting.analyze", "payload": {"meetingId": meeting}, "group": f"meeting-{meeting}"}
    ]
    # and it cannot be deleted while analyzed
    assert call("DELETE", f"/api/meetings/{meeting}", token=alice.token).code == "meeting_state"


def test_advise_now_queues_one_job_per_question_and_refuses_an_empty_transcript(
    alice: Person, stack: Settings, accounts: AccountsStack
) -> None:
    meeting = start(alice)["id"]
    assert act(alice, "advise-now", meeting).code == "empty_transcript"
    text(alice, meeting, 1, "What about the budget?")
    assert act(alice, "advise-now", meeting).code == "claude_not_configured"
    claude_configured(accounts)

    reply = act(alice, "advise-now", meeting, question="What should I ask next?")

    assert reply.status == 202, reply.json
    advice_id = reply.json["adviceId"]
    assert reply.json == {"meetingId": meeting, "adviceId": advice_id, "status": "pending"}
    assert jobs_queued(stack) == [{
        "type": "meeting.advise", "group": f"meeting-advice-{meeting}",
        "payload": {"meetingId": meeting, "adviceId": advice_id, "question": "What should I ask next?"},
    }]  # fmt: skip
    [advice] = opened(alice, meeting)["advice"]
    assert (advice["adviceId"], advice["status"], advice["question"], advice["text"]) == (
        advice_id, "pending", "What should I ask next?", ""
    )  # fmt: skip


# --- the runner's side ----------------------------------------------------------------------------------------------


def test_the_runner_streams_advice_and_stores_it_when_it_ends(alice: Person, accounts: AccountsStack) -> None:
    # Given a question asked, and alice's connection open
    claude_configured(accounts)
    connections.remember("conn-alice", user_id=alice.id)
    meeting = start(alice)["id"]
    text(alice, meeting, 1, "Budget is tight.", speaker="Dana")
    advice_id = act(alice, "advise-now", meeting).json["adviceId"]
    apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections.clear()

    # When the job reads the meeting, streams two parts and finishes
    task = meeting_jobs.for_job(meeting)
    assert task is not None and task.transcript == "[00:00] Dana: Budget is tight." and task.user_id == alice.id
    meeting_jobs.advice_delta(meeting, advice_id, "Ask about ")
    meeting_jobs.advice_delta(meeting, advice_id, "priorities.")
    meeting_jobs.advice_finished(meeting, advice_id, "Ask about priorities.")

    # Then the parts and the end reached her connection, and the advice is stored
    head = {"type": "meeting.advice", "meetingId": meeting, "adviceId": advice_id}
    assert posted_events("conn-alice") == [
        {**head, "status": "streaming", "delta": "Ask about "},
        {**head, "status": "streaming", "delta": "priorities."},
        {**head, "status": "done", "text": "Ask about priorities."},
    ]
    [advice] = opened(alice, meeting)["advice"]
    assert (advice["status"], advice["text"]) == ("done", "Ask about priorities.")
    # and advice that fails says why; only the last 20 are kept
    meeting_jobs.advice_interrupted(meeting, advice_id)
    assert opened(alice, meeting)["advice"][0]["error"].startswith("The advice was interrupted")
    for _ in range(21):
        act(alice, "advise-now", meeting)
    assert len(opened(alice, meeting)["advice"]) == 20


def test_the_runner_ends_an_analysis_once(alice: Person, accounts: AccountsStack) -> None:
    claude_configured(accounts)
    meeting = start(alice, title="Retro")["id"]
    text(alice, meeting, 1, "We will ship on Friday.")
    act(alice, "stop", meeting)
    act(alice, "analyze", meeting)
    assert meeting_jobs.for_job(meeting).analyzing  # type: ignore[union-attr]
    result = {"summary": "Shipping.", "decisions": ["Ship Friday"], "actionItems": [], "openQuestions": []}

    assert meeting_jobs.analysis_finished(meeting, result, "meetings/2025-06-02 Retro.md") is True
    assert meeting_jobs.analysis_failed(meeting, "too late") is False

    done = opened(alice, meeting)
    assert (done["status"], done["error"]) == ("complete", None)
    assert done["analysis"] == {**result, "documentPath": "meetings/2025-06-02 Retro.md"}
    # a re-analysis that fails keeps the previous analysis and says why
    act(alice, "analyze", meeting)
    assert meeting_jobs.analysis_interrupted(meeting) is True
    failed = opened(alice, meeting)
    assert failed["status"] == "error" and failed["error"].startswith("The analysis was interrupted")
    assert failed["analysis"]["summary"] == "Shipping."
    assert act(alice, "analyze", meeting).status == 202


def test_the_runner_writes_notes_only_into_a_project_its_owner_may_still_change(alice: Person, bob: Person) -> None:
    project = call("POST", "/api/projects", json_body={"name": "sales"}, token=alice.token).json["id"]
    ProjectMember(project, bob.id, role=ProjectRole.EDITOR.value).save()
    meeting = start(bob, projectId=project)["id"]
    assert meeting_jobs.for_job(meeting).project_id == project  # type: ignore[union-attr]

    ProjectMember(project, bob.id, role=ProjectRole.VIEWER.value).save()

    task = meeting_jobs.for_job(meeting)
    assert task is not None and (task.project_id, task.s3_prefix) == (None, None)
    assert meeting_jobs.for_job("0" * 32) is None


# --- the tick and deletion ------------------------------------------------------------------------------------------


def test_the_tick_stops_a_meeting_silent_for_two_hours(alice: Person) -> None:
    # Given a meeting silent since long ago, and one spoken in a minute ago
    silent = start(alice)["id"]
    lively = start(alice)["id"]
    now = utcnow()
    Meeting.get(silent).update(actions=[Meeting.last_segment_at.set(now - AUTO_STOP_AFTER - timedelta(minutes=1))])
    Meeting.get(lively).update(actions=[Meeting.last_segment_at.set(now - timedelta(minutes=1))])

    # When the tick runs (twice)
    first, second = run_tick(now), run_tick(now)

    # Then the silent one is stopped, automatically; the other goes on
    assert (first.meetings_stopped, first.errors, second.meetings_stopped) == (1, 0, 0)
    stopped = opened(alice, silent)
    assert (stopped["status"], stopped["stoppedAutomatically"]) == ("idle", True) and stopped["stoppedAt"]
    assert opened(alice, lively)["status"] == "active"


def test_deleting_a_meeting_a_project_or_a_user_takes_what_each_owns(
    alice: Person, bob: Person, engine: FakeEngine
) -> None:
    # Given bob's meetings, one in his project, one with audio kept for a retry
    project = call("POST", "/api/projects", json_body={"name": "sales"}, token=bob.token).json["id"]
    linked = start(bob, projectId=project)["id"]
    text(bob, linked, 1, "hello")
    kept = start(bob)["id"]
    engine.unavailable = "down"
    audio(bob, kept, 1)

    # When his project is deleted / then the meeting stays his, unlinked
    assert call("DELETE", f"/api/projects/{project}", token=bob.token).status == 204
    assert opened(bob, linked)["projectId"] is None

    # When one meeting is deleted / then its transcript and its audio go with it
    assert call("DELETE", f"/api/meetings/{kept}", token=bob.token).status == 204
    assert list(TranscriptSegment.query(kept)) == []
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket=stack_bucket(), Prefix=f"meetings/{kept}/")

    # When bob is deleted / then every meeting of his goes
    counts = lifecycle.delete_user(bob.id)
    assert counts["meetings"] == 1
    assert list(Meeting.scan()) == [] and list(TranscriptSegment.scan()) == []
