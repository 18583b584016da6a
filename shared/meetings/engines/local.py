"""Offline speech recognition: PocketSphinx 5 with the US English model its wheel ships.

No account and no download: `make run` transcribes out of the box. The accuracy is modest (a 2010s recognizer
with a general language model: clear speech comes out recognizable, names and jargon often do not), which is
why the cloud uses Amazon Transcribe.

The recognizer runs in a process of its own (shared.meetings.engines.recognizer), started on first use (about half a
second, the model's load included) and kept: PocketSphinx holds Python's interpreter lock while it decodes, so in
this process it would stall every other request for a second at a time (bench/speech.py measures the stall).
Waiting for its answer lets the lock go. A decoder holds one utterance at a time, so one lock here lets one
segment at a time talk to it: concurrent segments take turns, each taking about a fifth of its own duration on
one core. A recognizer that dies is started again for the next segment; one that does not answer within
DECODE_SECONDS is killed, and its segment fails with a reason (its audio is kept for a retry).

The recognizer's words become phrases here: fillers (`<sil>`, `[NOISE]`, ...) are dropped, and a pause of
PAUSE_MS or more between two words starts a new phrase.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from shared.meetings.speech import Audio, Phrase, SpeechUnavailableError

PAUSE_MS = 300  # a silence this long ends a phrase
START_SECONDS = 60.0  # an interpreter and 40 MB of model, on a busy machine
DECODE_SECONDS = 25.0  # inside the API's 29 s; a segment of the longest allowed length takes a few seconds
HEADER = struct.Struct("<II")  # what precedes a segment's PCM on the recognizer's stdin: sample rate (Hz), byte count
COMMAND = (sys.executable, "-m", "shared.meetings.engines.recognizer")
_SOURCE_ROOT = str(Path(__file__).resolve().parents[3])  # where `shared` is, for the recognizer's imports

_lock = threading.Lock()
_recognizer: Recognizer | None = None


class Word(NamedTuple):
    """A recognized word and its time in the segment."""

    text: str
    start_ms: int
    end_ms: int


class LocalEngine:
    """PocketSphinx, in a process of its own."""

    name = "local"

    def transcribe(self, audio: Audio, *, language: str = "en-US") -> list[Phrase]:
        if not language.lower().startswith("en"):
            raise SpeechUnavailableError(f"the offline recognizer knows English only, not {language}")
        with _lock:
            words = _words(audio)
        return phrases(words, duration_ms=audio.duration_ms)


def _words(audio: Audio) -> list[Word]:
    """The recognizer's words in `audio`; one that stopped since the last segment is started again. Hold _lock."""
    global _recognizer  # noqa: PLW0603  # one recognizer per process, started once
    for attempt in (1, 2):
        if _recognizer is None or not _recognizer.alive():
            _recognizer = Recognizer.start()
        try:
            return _recognizer.words(audio)
        except RecognizerGoneError as exc:
            _recognizer = None
            if attempt == 2:
                raise SpeechUnavailableError(f"the offline recognizer stopped: {exc}") from None
    raise AssertionError("unreachable")


class RecognizerGoneError(Exception):
    """The recognizer's process ended (or was killed) before it answered."""


class Recognizer:
    """The recognizer's process and the end of its answers read so far."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self._buffer = bytearray()

    @classmethod
    def start(cls) -> Recognizer:
        """A recognizer with its model loaded; SpeechUnavailableError (why) when it cannot start."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (_SOURCE_ROOT, os.environ.get("PYTHONPATH"))))}
        try:
            process = subprocess.Popen(  # noqa: S603
                COMMAND,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                process_group=0,  # a Ctrl-C in the terminal is for the server, which stops it by closing its stdin
            )
        except OSError as exc:
            raise SpeechUnavailableError(f"the offline recognizer could not start: {exc}") from None
        recognizer = cls(process)
        try:
            ready = recognizer._answer(START_SECONDS)
        except RecognizerGoneError as exc:
            raise SpeechUnavailableError(f"the offline recognizer could not start: {exc}") from None
        if "error" in ready:
            recognizer.stop()
            raise SpeechUnavailableError(str(ready["error"]))
        return recognizer

    def alive(self) -> bool:
        return self.process.poll() is None

    def words(self, audio: Audio) -> list[Word]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(HEADER.pack(audio.sample_rate, len(audio.pcm)) + audio.pcm)
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            self.stop()
            raise RecognizerGoneError("its pipe is closed") from None
        answer = self._answer(DECODE_SECONDS)
        if "error" in answer:
            raise SpeechUnavailableError(str(answer["error"]))
        return [Word(str(text), int(start), int(end)) for text, start, end in answer["words"]]

    def stop(self) -> None:
        """Close its stdin (it exits) and make sure it has."""
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _answer(self, seconds: float) -> dict[str, Any]:
        """Its next line; killed and SpeechUnavailableError after `seconds`, RecognizerGoneError if it ended."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        ready = select.poll()  # not select(): a busy server's descriptors go past select's 1024
        ready.register(fd, select.POLLIN)
        deadline = time.monotonic() + seconds
        while (end := self._buffer.find(b"\n")) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.process.kill()
                self.stop()
                raise SpeechUnavailableError(f"the offline recognizer did not answer within {seconds:g} s")
            if not ready.poll(max(1, round(remaining * 1000))):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.stop()
                raise RecognizerGoneError(f"it exited with status {self.process.returncode}")
            self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        answer: dict[str, Any] = json.loads(line)
        return answer


def phrases(words: Iterable[Word], *, duration_ms: int) -> list[Phrase]:
    """The decoder's words as phrases split at pauses, fillers dropped, times kept inside the segment."""
    found: list[Phrase] = []
    current: list[Word] = []
    for word in words:
        text = _spoken(word.text)
        if text is None:
            continue
        if current and word.start_ms - current[-1].end_ms >= PAUSE_MS:
            found.append(_phrase(current, duration_ms))
            current = []
        current.append(word._replace(text=text))
    if current:
        found.append(_phrase(current, duration_ms))
    return found


def _spoken(token: str) -> str | None:
    """A dictionary word without its pronunciation variant ("the(2)" → "the"); None for silence and fillers."""
    if not token or token[0] in "<[":
        return None
    return token.split("(", 1)[0] or None


def _phrase(words: list[Word], duration_ms: int) -> Phrase:
    start = min(max(words[0].start_ms, 0), duration_ms)
    return Phrase(
        text=" ".join(word.text for word in words),
        start_ms=start,
        end_ms=min(max(words[-1].end_ms, start), duration_ms),
    )
