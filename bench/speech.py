"""Meetings' offline transcription: the local engine's real-time factor and a segment's latency, in-process.

Ten 5 s segments of espeak-ng speech (a sentence each, padded with silence to exactly 5 s), as the SPA would send
them. Real-time factor: the engine's processing time ÷ the audio's duration (below 100 % keeps up with speech,
on one core). Latency: from the client's bytes to the phrases, `decode` + `transcribe`, for a 16 kHz 16-bit WAV
and for 48 kHz float32 (what an AudioWorklet produces, so resampled first). The first call, which loads the
model, is reported alone and not counted.

The stall: while the ten segments are transcribed, another thread of the same process (as another request of
the API would) sleeps 2 ms again and again; how late it wakes is how long the transcription kept it from running.
Measured for the engine (the recognizer in a process of its own) and, in the same run, for the same recognizer
decoding in this process, as it did before.

    python -m bench.speech
"""

from __future__ import annotations

import struct
import threading
import time
from array import array
from collections.abc import Callable

from bench.stats import row
from shared.meetings.audio import SAMPLE_RATE, decode, resample
from shared.meetings.engines import recognizer
from shared.meetings.engines.local import LocalEngine
from shared.meetings.speech import Audio

SEGMENT_MS = 5_000
SENTENCES = (
    "Good morning everyone, let us start with the budget for the next quarter.",
    "The customer asked for a decision on the new contract before Friday.",
    "Our team finished the design review and found three open questions.",
    "Sales in the north region grew faster than we expected this month.",
    "We should hire two engineers and open the office in Lyon next year.",
    "The action items are to book the venue and draft the press release.",
    "Marketing wants more time to test the campaign with a small group.",
    "The supplier moved the delivery date by two weeks because of the storm.",
    "Please send the report to the board before the meeting on Monday.",
    "Thank you all, we will meet again next week at the same time.",
)


def _segment(text: str) -> Audio:
    """`text` spoken, padded with silence (or cut) to exactly SEGMENT_MS."""
    from tests.support.speech import say

    spoken = decode(say(text), "audio/wav")
    size = 2 * SAMPLE_RATE * SEGMENT_MS // 1000
    return Audio(pcm=spoken.pcm[:size].ljust(size, b"\x00"), sample_rate=SAMPLE_RATE)


def _wav(samples: bytes, *, rate: int, code: int, bits: int) -> bytes:
    fmt = struct.pack("<HHIIHH", code, 1, rate, rate * bits // 8, bits // 8, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def _as_float48k(audio: Audio) -> bytes:
    """The segment as an AudioWorklet would send it: 48 kHz float32 WAV."""
    upsampled = resample(array("h", audio.pcm), SAMPLE_RATE, 48_000)
    return _wav(array("f", [v / 32768 for v in upsampled]).tobytes(), rate=48_000, code=3, bits=32)


NAP_S = 0.002


def _stalls(work: Callable[[], object]) -> list[float]:
    """How late (ms) another thread wakes from each 2 ms nap while `work` runs."""
    late: list[float] = []
    done = threading.Event()

    def napper() -> None:
        while not done.is_set():
            started = time.perf_counter()
            time.sleep(NAP_S)
            late.append(max(0.0, (time.perf_counter() - started - NAP_S) * 1000))

    thread = threading.Thread(target=napper, daemon=True)
    thread.start()
    try:
        work()
    finally:
        done.set()
        thread.join()
    return late


def _stall_rows(segments: list[Audio]) -> dict[str, list[float]]:
    engine = LocalEngine()
    decoder, endpointer = recognizer.load()
    own = _stalls(lambda: [engine.transcribe(audio) for audio in segments])
    here = _stalls(lambda: [recognizer.words(decoder, endpointer, audio.pcm, audio.sample_rate) for audio in segments])
    print("  another thread's lateness while the segments are transcribed:")
    print("  " + row("recognizer in its own process (now)", own))
    print("  " + row("recognizer in this process (before)", here))
    print(f"  worst lateness, now ÷ before: {max(own) / max(here):.3f}x")
    return {"stall own process": own, "stall in process": here}


def run() -> dict[str, list[float]]:
    engine = LocalEngine()
    segments = [_segment(text) for text in SENTENCES]

    started = time.perf_counter()
    engine.transcribe(segments[0])
    first_ms = (time.perf_counter() - started) * 1000

    factors: list[float] = []
    words = 0
    for audio in segments:
        started = time.perf_counter()
        phrases = engine.transcribe(audio)
        factors.append((time.perf_counter() - started) * 1000 / audio.duration_ms * 100)
        words += sum(len(phrase.text.split()) for phrase in phrases)

    latencies: dict[str, list[float]] = {"16 kHz 16-bit WAV": [], "48 kHz float32 WAV": []}
    decodes: dict[str, list[float]] = {name: [] for name in latencies}
    for audio in segments:
        for name, data in (
            ("16 kHz 16-bit WAV", _wav(audio.pcm, rate=SAMPLE_RATE, code=1, bits=16)),
            ("48 kHz float32 WAV", _as_float48k(audio)),
        ):
            started = time.perf_counter()
            decoded = decode(data, "audio/wav")
            decoded_at = time.perf_counter()
            engine.transcribe(decoded)
            done = time.perf_counter()
            decodes[name].append((decoded_at - started) * 1000)
            latencies[name].append((done - started) * 1000)

    seconds = SEGMENT_MS // 1000
    print(f"Offline transcription (pocketsphinx), {len(segments)} segments of {seconds} s of espeak-ng speech:")
    print(f"  first segment, model load included: {first_ms:.0f} ms; {words} words recognized in all")
    print("  " + row("real-time factor (processing ÷ duration)", factors, unit="%"))
    for name, values in latencies.items():
        print("  " + row(f"decode, {name}", decodes[name]))
        print("  " + row(f"segment → transcript, {name}", values))
    stalls = _stall_rows(segments)
    return {
        "real_time_factor_pct": factors,
        **{f"latency {name}": values for name, values in latencies.items()},
        **stalls,
    }


if __name__ == "__main__":
    run()
