"""The offline recognizer's own process: PocketSphinx, fed segments on stdin, answering their words on stdout.

PocketSphinx decodes without letting go of Python's interpreter lock, about a second at a time for a sentence. In
the process that serves the API, every other request and WebSocket event would wait for it; here only the next
segment does. `shared.meetings.engines.local` starts this process on first use and talks to it:

    → a header (sample rate, byte count, both unsigned 32-bit little-endian), then that many bytes of 16-bit PCM
    ← one JSON line: {"words": [[word, start_ms, end_ms], ...]} or {"error": "why"}

The first line, once the model is loaded, is {"ready": true} (or the error, and the process exits). It exits
when its stdin closes, which is also what happens when the process that started it dies, however it dies.

A voice activity detector (WebRTC's, shipped in pocketsphinx) finds the stretches of speech in the segment, and
each is decoded alone: fed silence, the recognizer hears words in it.

    python -m shared.meetings.engines.recognizer
"""

from __future__ import annotations

import json
import os
import sys
from array import array
from collections.abc import Callable, Iterator
from typing import IO, Any

from shared.meetings.audio import SAMPLE_RATE, resample
from shared.meetings.engines.local import HEADER
from shared.meetings.speech import SpeechUnavailableError

# The voice activity detector: the most aggressive of its modes (0-3), deciding over 0.3 s of audio. Decoding only
# speech keeps the recognizer from hearing words in silence (it hears "i'm" in two seconds of digital silence).
VAD_MODE = 3
VAD_WINDOW_S = 0.3

RawWord = tuple[str, int, int]  # the decoder's token (fillers and variants included), start and end in ms


def words(decoder: Any, endpointer: Callable[[], Any], pcm: bytes, sample_rate: int) -> list[RawWord]:
    """Every word the decoder hears in the stretches of speech of `pcm`, timed from its start."""
    if sample_rate != SAMPLE_RATE:
        pcm = resample(array("h", pcm), sample_rate, SAMPLE_RATE).tobytes()
    return [word for start_ms, speech in _speech(pcm, endpointer()) for word in _decode(decoder, speech, start_ms)]


def _speech(pcm: bytes, endpointer: Any) -> Iterator[tuple[int, bytes]]:
    """The stretches of speech the voice activity detector finds in `pcm`, each with its start (ms)."""
    size = endpointer.frame_bytes
    last = max(0, (len(pcm) - 1) // size * size)  # the final frame, whole or not
    held: list[bytes] = []
    for offset in range(0, last + 1, size):
        frame = pcm[offset : offset + size]
        if offset == last and endpointer.in_speech:
            found = endpointer.end_stream(frame)  # a stretch still open at the end of the segment
        elif len(frame) == size:
            found = endpointer.process(frame)
        else:
            found = None
        if found is not None:
            held.append(found)
        if held and (not endpointer.in_speech or offset == last):
            yield round(endpointer.speech_start * 1000), b"".join(held)
            held = []


def _decode(decoder: Any, speech: bytes, start_ms: int) -> list[RawWord]:
    """The words in one stretch of speech, timed from the segment's start."""
    try:
        decoder.start_utt()
        decoder.process_raw(speech, full_utt=True)
        decoder.end_utt()
    except RuntimeError as exc:
        raise SpeechUnavailableError(f"the offline recognizer failed: {exc}") from exc
    frame_ms = 1000 // int(decoder.config["frate"])
    return [
        (seg.word, start_ms + seg.start_frame * frame_ms, start_ms + (seg.end_frame + 1) * frame_ms)
        for seg in decoder.seg()
    ]


def load() -> tuple[Any, Callable[[], Any]]:
    """The decoder (40 MB of model, about half a second) and how to make a voice activity detector."""
    try:
        from pocketsphinx import Decoder, Endpointer
    except ImportError as exc:
        raise SpeechUnavailableError("the offline recognizer (pocketsphinx) is not installed") from exc
    try:
        decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
    except (RuntimeError, ValueError) as exc:
        raise SpeechUnavailableError(f"the offline recognizer could not load its model: {exc}") from exc
    return decoder, lambda: Endpointer(window=VAD_WINDOW_S, vad_mode=VAD_MODE, sample_rate=SAMPLE_RATE)


def _read(stream: IO[bytes], size: int) -> bytes | None:
    """Exactly `size` bytes, or None once the stream has ended."""
    data = stream.read(size)
    return data if len(data) == size else None


def serve(requests: IO[bytes], answers: IO[bytes]) -> int:
    def answer(message: dict[str, Any]) -> None:
        answers.write(json.dumps(message).encode() + b"\n")
        answers.flush()

    try:
        decoder, endpointer = load()
    except SpeechUnavailableError as exc:
        answer({"error": str(exc)})
        return 1
    answer({"ready": True})
    while (header := _read(requests, HEADER.size)) is not None:
        sample_rate, size = HEADER.unpack(header)
        pcm = _read(requests, size)
        if pcm is None:
            break
        try:
            answer({"words": words(decoder, endpointer, pcm, sample_rate)})
        except SpeechUnavailableError as exc:
            answer({"error": str(exc)})
    return 0


def main() -> int:
    # The answers get stdout's pipe to themselves: whatever a library prints goes to stderr, not into a line.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    sys.exit(main())
