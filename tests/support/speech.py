"""Speech for the meetings tests and benchmarks, synthesized by Debian's espeak-ng (deps-system installs it).

espeak-ng speaks at 22,050 Hz; `say` resamples with the product's own decoder to the 16 kHz mono 16-bit WAV a
client would send. The voice is fixed (US English, the "f2" variant): the offline recognizer hears it best of
espeak-ng's English voices (about three key words in four, against half for the default voice), and synthesis
is deterministic, so a recognition test that passes passes again.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from shared.meetings.audio import decode, encode_wav
from shared.meetings.speech import Audio

ESPEAK = shutil.which("espeak-ng")
VOICE = "en-us+f2"
requires_espeak = pytest.mark.skipif(
    ESPEAK is None, reason="espeak-ng is not installed (make deps-system, or apt-get install espeak-ng)"
)


def say(text: str, path: Path | None = None, *, rate: int = 150, voice: str = VOICE) -> bytes:
    """`text` spoken at `rate` words a minute, as a 16 kHz mono 16-bit WAV file (written to `path` if given)."""
    if ESPEAK is None:
        raise RuntimeError("espeak-ng is not installed")
    spoken = subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(rate), "--stdout", text], capture_output=True, check=True, timeout=60
    ).stdout
    data = wav(decode(spoken, "audio/wav"))
    if path is not None:
        path.write_bytes(data)
    return data


def wav(audio: Audio) -> bytes:
    """`audio` as a WAV file."""
    return encode_wav(audio)


def silence(ms: int, rate: int = 16_000) -> Audio:
    """`ms` of digital silence."""
    return Audio(pcm=bytes(2 * rate * ms // 1000), sample_rate=rate)
