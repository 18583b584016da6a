"""Speech to text behind one interface: what a transcription engine takes and gives back.

The meetings domain hands an engine one segment of a meeting's audio, already checked and decoded to 16-bit
mono PCM, and stores what it answers as the segment's transcript. Locally the engine is an offline recognizer
that ships its model in a registry package; in the cloud it is Amazon Transcribe. `engine()` picks one from the
settings (shared.meetings.engines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Audio:
    """One segment's speech: 16-bit little-endian mono PCM samples."""

    pcm: bytes
    sample_rate: int  # Hz

    @property
    def duration_ms(self) -> int:
        return len(self.pcm) * 1000 // (2 * self.sample_rate)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A stretch of recognized speech inside the segment, its times relative to the segment's start."""

    text: str
    start_ms: int
    end_ms: int
    speaker: str | None = None


class SpeechUnavailableError(Exception):
    """The engine cannot transcribe now (not installed, unreachable, throttled); the audio is kept for a retry."""


class Engine(Protocol):
    name: str

    def transcribe(self, audio: Audio, *, language: str = "en-US") -> list[Phrase]:
        """The phrases heard in `audio`, in order; [] for silence. Raises SpeechUnavailableError."""
        ...
