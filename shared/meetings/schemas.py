"""What clients send to the meetings routes (docs/meetings.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from shared.schema import Schema

MeetingId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Seq = Annotated[int, Field(ge=1, le=1_000_000, description="The client's segment number: 1, 2, 3 ...")]
Millis = Annotated[int, Field(ge=0, le=7 * 24 * 3600 * 1000, description="Milliseconds from the meeting's start")]
MAX_TEXT = 5_000  # of one text segment: a minute of fast speech is ~1,000 characters
MAX_QUESTION = 2_000


class MeetingRef(Schema):
    meeting_id: MeetingId


class StartMeeting(Schema):
    title: Title | None = None
    project_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] | None = None


class RenameMeeting(Schema):
    title: Title | None = None


class AudioSegment(MeetingRef):
    """The query of an audio segment (its body is the audio)."""

    seq: Seq
    start_ms: Millis


class TextSegment(AudioSegment):
    """A segment the client transcribed itself (a browser's speech recognition, an integration)."""

    end_ms: Millis | None = None
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
    speaker: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> TextSegment:
        if self.end_ms is not None and self.end_ms < self.start_ms:
            raise ValueError("'endMs' must not be before 'startMs'.")
        return self


class AdviseNow(MeetingRef):
    question: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_QUESTION)] | None = None
