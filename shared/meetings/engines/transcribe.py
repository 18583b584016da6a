"""Amazon Transcribe: one Transcribe Streaming session per segment, over its WebSocket API.

Why this way. A Lambda invocation keeps no stream open between requests, so each segment is its own session:
connect, send the segment's audio in 100 ms events, send the empty event that ends the stream, read the final
results until the service closes (about a second after the audio ends). The batch API (StartTranscriptionJob on
an S3 object) queues a job that takes tens of seconds even for five seconds of audio: too slow for a transcript a
few seconds behind speech. Of Streaming's two protocols, HTTP/2 needs AWS's amazon-transcribe SDK and its
native awscrt: once installed, botocore imports awscrt (26 MB of shared library) at every cold start of every
function, transcribing or not. The WebSocket protocol needs only what is here already: botocore signs the URL
(SigV4 query auth) and decodes event-stream messages, `websockets` (a small Python library,
already the tests' WebSocket client) carries them, and the one
thing written here is the encoding of an audio event (a prelude, three string headers, two CRC-32s).

    GET wss://transcribestreaming.<region>.amazonaws.com:8443/stream-transcription-websocket?<presigned>
    → AudioEvent(pcm), ..., AudioEvent(empty)          event-stream messages, one per WebSocket message
    ← TranscriptEvent {"Transcript": {"Results": [...]}}, ..., then close; or an exception message

`AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING` (settings.transcribe_streaming_endpoint) redirects the endpoint: http and
https become ws and wss. Credentials come from botocore's chain, like every other AWS client here.

Only final results count (a partial result is superseded by its final one). Speaker labels are not asked for:
Transcribe numbers speakers per stream, so `spk_0` of one segment need not be `spk_0` of the next.

What the caller can wait out becomes SpeechUnavailableError with the reason: throttled, unavailable, credentials
refused or missing, unreachable, slower than DEADLINE_SECONDS. A programming error is not swallowed.
"""

from __future__ import annotations

import functools
import json
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol
from urllib.parse import urlsplit

import botocore.session
from botocore.exceptions import BotoCoreError

from shared.meetings.speech import Audio, Phrase, SpeechUnavailableError

CHUNK_MS = 100  # AWS suggests 50-200 ms of audio per event
# The API's request must finish inside API Gateway's 29 s: a slower answer is a failed segment, retried later.
DEADLINE_SECONDS = 20.0
PRESIGNED_SECONDS = 300  # the longest a presigned URL may live
PATH = "/stream-transcription-websocket"
SIGNING_NAME = "transcribe"


class Connection(Protocol):
    """What is used of a WebSocket connection (websockets.sync.client.ClientConnection)."""

    def send(self, message: bytes) -> None: ...
    def recv(self, timeout: float | None = None) -> str | bytes: ...


Connect = Callable[[str, float], AbstractContextManager[Connection]]


class TranscribeUnavailableError(SpeechUnavailableError):
    """Transcribe answered with an exception message or refused the connection."""


class TranscribeEngine:
    """Amazon Transcribe Streaming in `region`, or at `endpoint_url`."""

    name = "transcribe"

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        connect: Connect | None = None,
        credentials: Callable[[], Any] | None = None,
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._connect = connect or _websocket  # tests pass a fake connection
        self._credentials = credentials or _botocore_credentials

    def transcribe(self, audio: Audio, *, language: str = "en-US") -> list[Phrase]:
        deadline = time.monotonic() + DEADLINE_SECONDS
        try:
            credentials = self._credentials()
            if credentials is None:
                raise SpeechUnavailableError("no AWS credentials for Amazon Transcribe")
            url = presigned_url(self.region, self.endpoint_url, credentials, language=language, rate=audio.sample_rate)
            with self._connect(url, DEADLINE_SECONDS) as connection:
                _send(connection, audio)
                results = list(_final_results(connection, deadline))
        except SpeechUnavailableError:
            raise
        except Exception as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            raise SpeechUnavailableError(reason) from exc
        return phrases(results, duration_ms=audio.duration_ms)


def phrases(results: Iterable[dict[str, Any]], *, duration_ms: int) -> list[Phrase]:
    """Transcribe's final results (StartTime, EndTime in seconds, Alternatives) as phrases, in order."""
    found = []
    for result in results:
        alternatives = result.get("Alternatives") or [{}]
        text = " ".join(str(alternatives[0].get("Transcript") or "").split())
        if not text:
            continue
        start = min(max(round(float(result.get("StartTime", 0)) * 1000), 0), duration_ms)
        end = min(max(round(float(result.get("EndTime", 0)) * 1000), start), duration_ms)
        found.append(Phrase(text=text, start_ms=start, end_ms=end))
    return sorted(found, key=lambda phrase: (phrase.start_ms, phrase.end_ms))


def presigned_url(region: str, endpoint_url: str | None, credentials: Any, *, language: str, rate: int) -> str:
    """The session's WebSocket URL, signed with SigV4 in its query (the handshake can carry no body to sign)."""
    from botocore.auth import SigV4QueryAuth  # only a process that transcribes signs
    from botocore.awsrequest import AWSRequest

    base = endpoint_url or f"https://transcribestreaming.{region}.amazonaws.com:8443"
    parts = urlsplit(base)
    request = AWSRequest(
        method="GET",
        url=f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{PATH}",
        params={"language-code": language, "media-encoding": "pcm", "sample-rate": str(rate)},
    )
    SigV4QueryAuth(credentials, SIGNING_NAME, region, expires=PRESIGNED_SECONDS).add_auth(request)
    signed = str(request.prepare().url)
    return {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme) + signed[len(parts.scheme) :]


def audio_event(pcm: bytes) -> bytes:
    """An event-stream message carrying `pcm` as an AudioEvent; empty, it ends the stream."""
    headers = b"".join(
        _header(name, value)
        for name, value in (
            (":content-type", "application/octet-stream"),
            (":event-type", "AudioEvent"),
            (":message-type", "event"),
        )
    )
    prelude = struct.pack(">II", 16 + len(headers) + len(pcm), len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + pcm
    return message + struct.pack(">I", zlib.crc32(message))


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">BH", 7, len(raw_value)) + raw_value  # 7: string


def _send(connection: Connection, audio: Audio) -> None:
    """The segment in CHUNK_MS events, then the empty event that ends the stream."""
    from websockets.exceptions import ConnectionClosed

    step = audio.sample_rate * 2 * CHUNK_MS // 1000
    try:
        for offset in range(0, len(audio.pcm), step):
            connection.send(audio_event(audio.pcm[offset : offset + step]))
        connection.send(audio_event(b""))
    except ConnectionClosed:
        pass  # the service hung up early: the message saying why is waiting to be read


def _final_results(connection: Connection, deadline: float) -> Iterator[dict[str, Any]]:
    """The final results of each TranscriptEvent until the service closes the stream."""
    from botocore.eventstream import EventStreamBuffer
    from websockets.exceptions import ConnectionClosedOK

    while True:
        try:
            data = connection.recv(timeout=max(deadline - time.monotonic(), 0.0))
        except ConnectionClosedOK:
            return
        buffer = EventStreamBuffer()
        buffer.add_data(data.encode() if isinstance(data, str) else data)
        for message in buffer:
            headers, body = message.headers, json.loads(message.payload or b"{}")
            if headers.get(":message-type") != "event":
                kind = headers.get(":exception-type") or headers.get(":error-code") or "error"
                raise TranscribeUnavailableError(_exception_reason(str(kind), str(body.get("Message", ""))))
            if headers.get(":event-type") == "TranscriptEvent":
                for result in body.get("Transcript", {}).get("Results", []):
                    if not result.get("IsPartial"):
                        yield result


def _exception_reason(kind: str, message: str) -> str:
    if kind in ("LimitExceededException", "ThrottlingException"):
        return f"Amazon Transcribe is throttling requests ({kind})"
    if kind in ("ServiceUnavailableException", "InternalFailureException"):
        return f"Amazon Transcribe is unavailable ({kind})"
    return f"Amazon Transcribe refused the stream ({kind}: {message})"


def unavailable_reason(exc: BaseException) -> str | None:
    """Why Transcribe could not be reached or used, for a failure worth a retry later; None for anything else."""
    from botocore.eventstream import ParserError
    from websockets.exceptions import InvalidStatus, WebSocketException

    if isinstance(exc, BotoCoreError):
        return f"no usable AWS credentials for Amazon Transcribe ({exc})"
    if isinstance(exc, ParserError | json.JSONDecodeError):
        return f"Amazon Transcribe sent a message that could not be read ({type(exc).__name__})"
    if isinstance(exc, TimeoutError):
        return f"Amazon Transcribe did not answer within {DEADLINE_SECONDS:.0f} s"
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        if status in (401, 403):
            return f"Amazon Transcribe refused the credentials ({status})"
        if status == 429:
            return "Amazon Transcribe is throttling requests (429)"
        if status >= 500:
            return f"Amazon Transcribe is unavailable ({status})"
        return f"Amazon Transcribe refused the connection ({status})"
    if isinstance(exc, WebSocketException):
        return f"Amazon Transcribe broke off the stream ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return f"Amazon Transcribe is unreachable ({exc.strerror or type(exc).__name__})"
    return None


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def _botocore_credentials() -> Any:
    """The current credentials of botocore's chain (environment, profile, container, instance), or None."""
    credentials = _session().get_credentials()
    return None if credentials is None else credentials.get_frozen_credentials()


def _websocket(url: str, timeout: float) -> AbstractContextManager[Connection]:
    from websockets.sync.client import connect  # only a process that transcribes

    # No compression: PCM does not deflate much, and Transcribe negotiates none.
    return connect(url, open_timeout=timeout, close_timeout=2, compression=None, max_size=2**20)
