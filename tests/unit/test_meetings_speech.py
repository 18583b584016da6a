"""The speech engines (shared.meetings.engines): the offline recognizer on synthesized speech; Amazon Transcribe
through a fake WebSocket connection fed canned event-stream messages, and through a real WebSocket to a fake
service on 127.0.0.1 (never AWS); the switch that turns transcription off.

The recognizer's tests speak with espeak-ng (a subprocess) and the fake service listens on a socket, so this
module is `integration`; the pure tests carry the `unit` marker themselves.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import TokenRetrievalError
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.frames import Close
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from shared.meetings.audio import decode
from shared.meetings.engines import OffEngine, engine
from shared.meetings.engines import local as local_engine
from shared.meetings.engines import transcribe as transcribe_engine
from shared.meetings.engines.local import LocalEngine, Word
from shared.meetings.engines.transcribe import TranscribeEngine, presigned_url
from shared.meetings.speech import Audio, Phrase, SpeechUnavailableError
from shared.settings import Settings, SettingsError, from_env
from tests.support.speech import requires_espeak, say, silence
from tests.support.stack import process_alive, wait_until

KEY_WORDS = ("budget", "monday", "decision", "customer", "action", "team", "friday", "morning")
# Chosen for the recognizer: it hears six of these eight words at 140, 150 and 160 words a minute alike.
SPEECH = "Monday morning the team met the customer. We need a decision on the budget, and one action by Friday."


# --- choosing an engine ---------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_the_engine_is_offline_locally_transcribe_in_the_cloud_and_can_be_turned_off() -> None:
    cloud = Settings(mode="aws", region="eu-west-1", transcribe_streaming_endpoint="https://vpce.example.test")

    assert isinstance(engine(Settings()), LocalEngine)
    chosen = engine(cloud)
    assert isinstance(chosen, TranscribeEngine)
    assert (chosen.region, chosen.endpoint_url) == ("eu-west-1", "https://vpce.example.test")
    assert isinstance(engine(Settings(speech_engine="transcribe")), TranscribeEngine)
    assert isinstance(engine(Settings(mode="aws", speech_engine="off")), OffEngine)


@pytest.mark.unit
def test_the_setting_is_read_from_the_environment_and_checked() -> None:
    assert from_env({"STUDIO_SPEECH_ENGINE": "off"}).speech_engine_name == "off"
    assert from_env({"AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING": "http://127.0.0.1:9"}).transcribe_streaming_endpoint
    with pytest.raises(SettingsError, match="STUDIO_SPEECH_ENGINE must be one of local, transcribe, off"):
        from_env({"STUDIO_SPEECH_ENGINE": "whisper"})
    with pytest.raises(SettingsError, match="local is for the local stack"):
        Settings(mode="aws", jwt_secret="x" * 40, jobs_queue_url="q", ws_endpoint="w", speech_engine="local").validate()


@pytest.mark.unit
def test_an_engine_turned_off_is_unavailable_so_the_audio_is_kept() -> None:
    with pytest.raises(SpeechUnavailableError, match="STUDIO_SPEECH_ENGINE=off"):
        engine(Settings(speech_engine="off")).transcribe(silence(1000))


ROOT = Path(__file__).resolve().parents[2]


# --- the offline recognizer -----------------------------------------------------------------------------------------


@requires_espeak
def test_the_offline_recognizer_hears_most_key_words_of_synthesized_speech() -> None:
    audio = decode(say(SPEECH), "audio/wav")

    phrases = LocalEngine().transcribe(audio)

    heard = set(" ".join(phrase.text for phrase in phrases).split())
    recognized = [word for word in KEY_WORDS if word in heard]
    assert len(recognized) >= 0.6 * len(KEY_WORDS), f"heard only {recognized} in {phrases}"


@requires_espeak
def test_phrases_come_in_order_split_at_pauses_and_inside_the_segment() -> None:
    audio = decode(say("Good morning everyone. Today we talk about the customer."), "audio/wav")

    phrases = LocalEngine().transcribe(audio)

    assert len(phrases) >= 2, phrases  # the pause between the sentences splits them
    for phrase in phrases:
        assert 0 <= phrase.start_ms < phrase.end_ms <= audio.duration_ms
        assert phrase.text == phrase.text.strip() and "<" not in phrase.text and "(" not in phrase.text
    for before, after in itertools.pairwise(phrases):
        assert before.end_ms <= after.start_ms


def test_silence_is_no_phrase() -> None:
    assert LocalEngine().transcribe(silence(2000)) == []


def test_audio_at_another_rate_is_resampled_and_other_languages_are_refused() -> None:
    assert LocalEngine().transcribe(silence(500, rate=8_000)) == []
    with pytest.raises(SpeechUnavailableError, match="English only"):
        LocalEngine().transcribe(silence(500), language="fr-FR")


@pytest.mark.unit
def test_words_become_phrases_at_pauses_without_fillers_or_variants() -> None:
    words = [
        Word("<s>", 0, 50),
        Word("the(2)", 50, 200),
        Word("budget", 200, 600),
        Word("<sil>", 600, 700),
        Word("[NOISE]", 700, 750),
        Word("is", 750, 900),  # 150 ms after "budget": the same phrase
        Word("<sil>", 900, 1400),
        Word("ready", 1400, 1900),  # 500 ms later: a new one
        Word("</s>", 1900, 2100),
    ]

    assert local_engine.phrases(words, duration_ms=1800) == [
        Phrase("the budget is", 50, 900),
        Phrase("ready", 1400, 1800),  # kept inside the segment
    ]
    assert local_engine.phrases([Word("<s>", 0, 10), Word("<sil>", 10, 900)], duration_ms=900) == []


@pytest.fixture
def own_recognizer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test starts its own recognizer (the module's stays as it was), stopped afterwards."""
    monkeypatch.setattr(local_engine, "_recognizer", None)
    yield
    if local_engine._recognizer is not None:
        local_engine._recognizer.stop()


def _python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


@pytest.mark.usefixtures("own_recognizer")
def test_the_recognizer_decodes_in_a_process_of_its_own_started_again_when_it_dies() -> None:
    assert LocalEngine().transcribe(silence(500)) == []
    first = local_engine._recognizer
    assert first is not None and first.process.pid != os.getpid()
    assert os.getpgid(first.process.pid) != os.getpgid(0)  # a Ctrl-C in the terminal does not reach it

    first.process.kill()
    first.process.wait()

    assert LocalEngine().transcribe(silence(500)) == []  # the next segment starts a new one
    second = local_engine._recognizer
    assert second is not None and second is not first and second.alive()


@pytest.mark.usefixtures("own_recognizer")
def test_a_recognizer_that_cannot_load_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    as_if_not_installed = (
        "import runpy, sys; sys.modules['pocketsphinx'] = None; "
        "runpy.run_module('shared.meetings.engines.recognizer', run_name='__main__')"
    )
    monkeypatch.setattr(local_engine, "COMMAND", _python(as_if_not_installed))

    with pytest.raises(SpeechUnavailableError, match=r"^the offline recognizer \(pocketsphinx\) is not installed$"):
        LocalEngine().transcribe(silence(100))


@pytest.mark.usefixtures("own_recognizer")
def test_a_recognizer_that_dies_on_a_segment_fails_that_segment_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    dies_on_audio = "import sys; print('{\"ready\": true}', flush=True); sys.stdin.buffer.read(8); sys.exit(3)"
    monkeypatch.setattr(local_engine, "COMMAND", _python(dies_on_audio))

    with pytest.raises(SpeechUnavailableError, match=r"^the offline recognizer stopped: it exited with status 3$"):
        LocalEngine().transcribe(silence(100))  # tried on a second recognizer too: it dies the same way


@pytest.mark.usefixtures("own_recognizer")
def test_a_recognizer_that_does_not_answer_is_killed_and_the_segment_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    hangs = "import time; print('{\"ready\": true}', flush=True); time.sleep(60)"
    monkeypatch.setattr(local_engine, "COMMAND", _python(hangs))
    monkeypatch.setattr(local_engine, "DECODE_SECONDS", 0.5)

    with pytest.raises(SpeechUnavailableError, match=r"^the offline recognizer did not answer within 0.5 s$"):
        LocalEngine().transcribe(silence(100))

    hung = local_engine._recognizer
    assert hung is not None and not hung.alive()


def test_the_recognizer_ends_with_the_process_that_started_it_even_on_kill_9() -> None:
    starts_one = (
        "from shared.meetings.engines import local\n"
        "from tests.support.speech import silence\n"
        "local.LocalEngine().transcribe(silence(100))\n"
        "print(local._recognizer.process.pid, flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    parent = subprocess.Popen(_python(starts_one), stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert process_alive(pid)
    finally:
        parent.kill()
        parent.wait()

    wait_until(lambda: not process_alive(pid), timeout=20, what="the recognizer to end with its parent")


# --- Amazon Transcribe: the wire format, a fake connection, a fake service on 127.0.0.1 ------------------------------

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "session-token")
SECOND = Audio(pcm=bytes(range(256)) * 125, sample_rate=16_000)


def event_message(headers: dict[str, str], payload: bytes) -> bytes:
    """An event-stream message as the service sends one (string headers only)."""
    raw = b"".join(
        struct.pack(">B", len(name)) + name.encode() + struct.pack(">BH", 7, len(value)) + value.encode()
        for name, value in headers.items()
    )
    prelude = struct.pack(">II", 16 + len(raw) + len(payload), len(raw))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + raw + payload
    return message + struct.pack(">I", zlib.crc32(message))


def transcript_event(*results: dict[str, Any]) -> bytes:
    body = json.dumps({"Transcript": {"Results": list(results)}}).encode()
    return event_message({":message-type": "event", ":event-type": "TranscriptEvent"}, body)


def exception_event(kind: str, message: str) -> bytes:
    body = json.dumps({"Message": message}).encode()
    return event_message({":message-type": "exception", ":exception-type": kind}, body)


def result(text: str, start: float, end: float, *, partial: bool = False) -> dict[str, Any]:
    items = [{"Content": word, "Type": "pronunciation"} for word in text.split()]
    return {
        "ResultId": "r",
        "StartTime": start,
        "EndTime": end,
        "IsPartial": partial,
        "Alternatives": [{"Transcript": text, "Items": items}],
    }


def decoded(messages: list[bytes]) -> list[tuple[dict[str, Any], bytes]]:
    """Messages as botocore's own event-stream parser reads them (it checks both CRCs)."""
    found = []
    for message in messages:
        buffer = EventStreamBuffer()
        buffer.add_data(message)
        found += [(dict(parsed.headers), parsed.payload) for parsed in buffer]
    return found


class FakeConnection:
    """A WebSocket connection to Transcribe: records what is sent, answers with canned messages, then closes."""

    def __init__(self, replies: list[bytes | BaseException], *, hang_up_after: int | None = None) -> None:
        self.replies = replies
        self.hang_up_after = hang_up_after
        self.sent: list[bytes] = []
        self.url = ""

    def __call__(self, url: str, timeout: float) -> FakeConnection:
        self.url = url
        return self

    def __enter__(self) -> FakeConnection:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None

    def send(self, message: bytes) -> None:
        if self.hang_up_after is not None and len(self.sent) >= self.hang_up_after:
            raise ConnectionClosedError(Close(1011, ""), None)
        self.sent.append(message)

    def recv(self, timeout: float | None = None) -> bytes:
        if not self.replies:
            raise ConnectionClosedOK(Close(1000, ""), Close(1000, ""), rcvd_then_sent=True)
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply


def transcribe_with(connection: Any, audio: Audio = SECOND, credentials: Any = CREDENTIALS) -> list[Phrase]:
    chosen = TranscribeEngine(region="eu-west-1", connect=connection, credentials=lambda: credentials)
    return chosen.transcribe(audio)


@pytest.mark.unit
def test_transcribe_sends_the_segment_in_100ms_audio_events_then_the_empty_one() -> None:
    connection = FakeConnection([])

    transcribe_with(connection)

    events = decoded(connection.sent)
    assert [len(payload) for _, payload in events] == [3200] * 10 + [0]
    assert b"".join(payload for _, payload in events) == SECOND.pcm
    assert all(
        headers == {":content-type": "application/octet-stream", ":event-type": "AudioEvent", ":message-type": "event"}
        for headers, _ in events
    )


@pytest.mark.unit
def test_transcribe_keeps_the_final_results_in_order_as_phrases() -> None:
    connection = FakeConnection(
        [
            transcript_event(result("Hello", 0.1, 0.4, partial=True)),
            transcript_event(result("Hello  everyone.", 0.1, 0.6)),
            transcript_event(),
            transcript_event(result("Let's start.", 0.7, 1.2), result("", 0.9, 0.95)),
        ]
    )

    assert transcribe_with(connection) == [Phrase("Hello everyone.", 100, 600), Phrase("Let's start.", 700, 1000)]


@pytest.mark.unit
def test_transcribe_results_map_to_phrases_sorted_and_clamped() -> None:
    phrases = transcribe_engine.phrases(
        [result("second", 2.0, 2.5), result("first", -0.01, 1.0), result("late", 2.9, 3.4), {"Alternatives": []}],
        duration_ms=3000,
    )

    assert phrases == [Phrase("first", 0, 1000), Phrase("second", 2000, 2500), Phrase("late", 2900, 3000)]


@pytest.mark.unit
def test_the_url_is_presigned_for_transcribe_with_the_stream_parameters() -> None:
    url = presigned_url("eu-west-1", None, CREDENTIALS, language="en-GB", rate=16_000)

    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert (parts.scheme, parts.netloc, parts.path) == (
        "wss",
        "transcribestreaming.eu-west-1.amazonaws.com:8443",
        "/stream-transcription-websocket",
    )
    assert query["language-code"] == "en-GB" and query["media-encoding"] == "pcm" and query["sample-rate"] == "16000"
    assert query["X-Amz-Credential"].endswith("/eu-west-1/transcribe/aws4_request")
    assert query["X-Amz-Security-Token"] == "session-token" and len(query["X-Amz-Signature"]) == 64
    assert int(query["X-Amz-Expires"]) <= 300


@pytest.mark.unit
def test_an_endpoint_override_is_followed_http_as_ws_and_https_as_wss() -> None:
    assert presigned_url("us-east-1", "http://127.0.0.1:9", CREDENTIALS, language="en-US", rate=8000).startswith(
        "ws://127.0.0.1:9/stream-transcription-websocket?"
    )
    assert presigned_url(
        "us-east-1", "https://vpce.example.test/", CREDENTIALS, language="en-US", rate=8000
    ).startswith("wss://vpce.example.test/stream-transcription-websocket?")


def refused(status: int) -> InvalidStatus:
    return InvalidStatus(Response(status, "refused", Headers(), b'{"message": "no"}'))


@pytest.mark.unit
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (exception_event("LimitExceededException", "Too many streams"), "throttling requests"),
        (exception_event("ServiceUnavailableException", "Try later"), "unavailable"),
        (exception_event("InternalFailureException", "Oops"), "unavailable"),
        (exception_event("BadRequestException", "Bad rate"), "refused the stream .BadRequestException: Bad rate"),
        (ConnectionClosedError(Close(1011, "internal"), None), "broke off the stream"),
        (TimeoutError(), "did not answer within 20 s"),
    ],
)
def test_transcribe_failures_in_the_stream_are_unavailable_with_a_reason(failure: Any, reason: str) -> None:
    connection = FakeConnection([transcript_event(result("Hello", 0.0, 0.2)), failure])

    with pytest.raises(SpeechUnavailableError, match=reason):
        transcribe_with(connection)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (refused(403), "refused the credentials"),
        (refused(429), "throttling"),
        (refused(503), "unavailable"),
        (refused(400), "refused the connection"),
        (socket.gaierror(-2, "Name or service not known"), "unreachable .Name or service not known"),
        (ConnectionRefusedError(111, "Connection refused"), "unreachable"),
        (TimeoutError(), "did not answer"),
    ],
)
def test_transcribe_that_cannot_be_reached_is_unavailable_with_a_reason(failure: Exception, reason: str) -> None:
    def connect(url: str, timeout: float) -> Any:
        raise failure

    with pytest.raises(SpeechUnavailableError, match=reason):
        transcribe_with(connect)


@pytest.mark.unit
def test_a_service_that_hangs_up_while_audio_is_sent_says_why() -> None:
    connection = FakeConnection([exception_event("LimitExceededException", "limit")], hang_up_after=3)

    with pytest.raises(SpeechUnavailableError, match="throttling"):
        transcribe_with(connection)


@pytest.mark.unit
def test_no_credentials_is_a_reason_and_a_programming_error_is_not_hidden() -> None:
    def expired() -> Any:
        raise TokenRetrievalError(provider="sso", error_msg="the SSO session has expired")

    with pytest.raises(SpeechUnavailableError, match="no AWS credentials"):
        transcribe_with(FakeConnection([]), credentials=None)
    with pytest.raises(SpeechUnavailableError, match=r"no usable AWS credentials .* SSO session has expired"):
        TranscribeEngine(region="eu-west-1", connect=FakeConnection([]), credentials=expired).transcribe(SECOND)
    with pytest.raises(SpeechUnavailableError, match="could not be read"):
        transcribe_with(FakeConnection([b"not an event-stream message at all"]))
    with pytest.raises(KeyError):
        transcribe_with(FakeConnection([KeyError("bug")]))


@contextmanager
def fake_transcribe(*, status: int | None = None) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Transcribe Streaming's WebSocket API on 127.0.0.1: reads the audio, answers one partial and one final."""
    seen: list[dict[str, Any]] = []

    def check(connection: ServerConnection, request: Request) -> Response | None:
        seen.append({"path": request.path})
        return connection.respond(status, "refused\n") if status else None

    def session(connection: ServerConnection) -> None:
        audio = b""
        for message in connection:
            assert isinstance(message, bytes)
            (headers, payload), *_ = decoded([message])
            assert headers[":event-type"] == "AudioEvent"
            if not payload:
                break
            audio += payload
        seen[-1]["audio"] = audio
        connection.send(transcript_event(result("the budget", 0.2, 0.7, partial=True)))
        connection.send(transcript_event(result("The budget is ready.", 0.2, 0.9)))
        connection.close()

    with serve(session, "127.0.0.1", 0, process_request=check, compression=None) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.socket.getsockname()[1]}", seen
        finally:
            server.shutdown()
            thread.join(timeout=5)


def test_transcribe_over_a_real_websocket_to_a_fake_service() -> None:
    with fake_transcribe() as (endpoint, seen):
        chosen = TranscribeEngine(region="us-east-1", endpoint_url=endpoint, credentials=lambda: CREDENTIALS)

        phrases = chosen.transcribe(SECOND)

    assert phrases == [Phrase("The budget is ready.", 200, 900)]
    query = parse_qs(urlsplit(seen[0]["path"]).query)
    assert urlsplit(seen[0]["path"]).path == "/stream-transcription-websocket"
    assert query["sample-rate"] == ["16000"] and "X-Amz-Signature" in query
    assert seen[0]["audio"] == SECOND.pcm


def test_transcribe_refusing_the_handshake_is_unavailable() -> None:
    with fake_transcribe(status=403) as (endpoint, _):
        chosen = TranscribeEngine(region="us-east-1", endpoint_url=endpoint, credentials=lambda: CREDENTIALS)

        with pytest.raises(SpeechUnavailableError, match=r"refused the credentials \(403"):
            chosen.transcribe(SECOND)
