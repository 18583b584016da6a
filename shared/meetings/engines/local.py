"""Offline speech recognition: PocketSphinx 5 with the US English model its wheel ships.

No account and no download: `make run` transcribes out of the box. The accuracy is modest (a 2010s recognizer
with a general language model: clear speech comes out recognizable, names and jargon often do not), which is
why the cloud uses Amazon Transcribe.

One decoder per process, loaded on first use (about half a second) and kept. A decoder holds one utterance at a
time, so one lock guards both the loading and each decoding: concurrent segments take turns, each taking about
a fifth of its own duration on one core (bench/speech.py).

A voice activity detector (WebRTC's, shipped in pocketsphinx) finds the stretches of speech in the segment, and
each is decoded alone: fed silence, the recognizer hears words in it. Each stretch is a phrase, or several: the
decoder's word segmentation gives each word its frames (10 ms each), fillers (`<sil>`, `[NOISE]`, ...) are
dropped, and a pause of PAUSE_MS or more between two words starts a new phrase.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from shared.meetings.audio import SAMPLE_RATE, resample
from shared.meetings.speech import Audio, Phrase, SpeechUnavailableError

PAUSE_MS = 300  # a silence this long ends a phrase
# The voice activity detector: the most aggressive of its modes (0-3), deciding over 0.3 s of audio. Decoding only
# speech keeps the recognizer from hearing words in silence (it hears "i'm" in two seconds of digital silence).
VAD_MODE = 3
VAD_WINDOW_S = 0.3

_lock = threading.Lock()
_decoder: Any = None


class Word(NamedTuple):
    """A recognized word and its time in the segment."""

    text: str
    start_ms: int
    end_ms: int


class LocalEngine:
    """PocketSphinx, in this process."""

    name = "local"

    def transcribe(self, audio: Audio, *, language: str = "en-US") -> list[Phrase]:
        if not language.lower().startswith("en"):
            raise SpeechUnavailableError(f"the offline recognizer knows English only, not {language}")
        pcm = audio.pcm
        if audio.sample_rate != SAMPLE_RATE:
            pcm = resample(array("h", pcm), audio.sample_rate, SAMPLE_RATE).tobytes()
        with _lock:
            decoder, endpointer = _loaded()
            stretches = [_decode(decoder, speech, start_ms) for start_ms, speech in _speech(pcm, endpointer())]
        return [phrase for words in stretches for phrase in phrases(words, duration_ms=audio.duration_ms)]


def warm() -> None:
    """Load the model now rather than on the first segment (a process that expects meetings may call this)."""
    with _lock:
        _loaded()


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


def _decode(decoder: Any, speech: bytes, start_ms: int) -> list[Word]:
    """The words in one stretch of speech, timed from the segment's start."""
    try:
        decoder.start_utt()
        decoder.process_raw(speech, full_utt=True)
        decoder.end_utt()
    except RuntimeError as exc:
        raise SpeechUnavailableError(f"the offline recognizer failed: {exc}") from exc
    frame_ms = 1000 // int(decoder.config["frate"])
    return [
        Word(seg.word, start_ms + seg.start_frame * frame_ms, start_ms + (seg.end_frame + 1) * frame_ms)
        for seg in decoder.seg()
    ]


def _loaded() -> tuple[Any, Callable[[], Any]]:
    """The process's decoder, loaded on first use, and how to make a voice activity detector; hold _lock."""
    global _decoder  # noqa: PLW0603  # one model per process, loaded once
    try:
        from pocketsphinx import Decoder, Endpointer  # 40 MB of model: imported by a process that transcribes
    except ImportError as exc:
        raise SpeechUnavailableError("the offline recognizer (pocketsphinx) is not installed") from exc
    if _decoder is None:
        try:
            _decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        except (RuntimeError, ValueError) as exc:
            raise SpeechUnavailableError(f"the offline recognizer could not load its model: {exc}") from exc
    return _decoder, lambda: Endpointer(window=VAD_WINDOW_S, vad_mode=VAD_MODE, sample_rate=SAMPLE_RATE)
