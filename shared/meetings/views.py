"""What the API shows of meetings: the meeting (with its analysis and advice), its transcript lines, pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from shared.schema import Count, Schema, View

Status = Literal["idle", "active", "analyzing", "complete", "error"]


class Line(View):
    """One phrase of the transcript; the lines of one segment share its seq."""

    seq: int
    start_ms: int
    end_ms: int
    speaker: str | None = None
    text: str


class Advice(View):
    advice_id: str
    asked_at: datetime
    question: str | None = None
    status: Literal["pending", "streaming", "done", "failed"]
    text: str = ""
    error: str | None = None


class MeetingSummary(View):
    """A meeting as the history lists it."""

    id: str = Field(validation_alias=AliasChoices("meeting_id", "id"))
    title: str | None = None
    project_id: str | None = None
    status: Status
    started_at: datetime
    stopped_at: datetime | None = None
    stopped_automatically: bool = Field(default=False, description="The meeting was silent too long and was stopped")
    segment_count: Count = Field(description="Segments transcribed")
    last_seq: Count = Field(default=0, description="The highest segment seq received: a capture goes on after it")
    failed_segments: list[int] = Field(
        default=[],
        validation_alias=AliasChoices("failed_seqs", "failed_segments"),
        description="Seqs of the segments that could not be transcribed: POST /api/meetings/retry",
    )
    error: str | None = None
    updated_at: datetime

    @field_validator("stopped_automatically", mode="before")
    @classmethod
    def _unset_is_false(cls, value: Any) -> Any:
        return bool(value)

    @field_validator("failed_segments", mode="before")
    @classmethod
    def _in_order(cls, value: Any) -> Any:
        return sorted(int(seq) for seq in value or ())


class Meeting(MeetingSummary):
    """A meeting opened: its analysis once complete, and the advice asked for during it (newest last)."""

    analysis: dict[str, Any] | None = Field(
        default=None, description="summary, decisions, actionItems, openQuestions, documentPath"
    )
    advice: list[Advice] = []

    @field_validator("advice", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or []


class MeetingsPage(Schema):
    meetings: list[MeetingSummary]
    next_before: datetime | None = Field(description="Pass as ?before= for the next (older) page; null at the end")


class Segment(Schema):
    """A segment stored (or found: the same seq sent again), and the transcript lines heard in it."""

    meeting_id: str
    seq: int
    lines: list[Line]


class Transcript(Schema):
    meeting_id: str
    lines: list[Line]
    next_after: int | None = Field(description="Pass as ?after= for the next page; null at the end")


class AdviceRequested(Schema):
    """Advice asked for: it streams as `meeting.advice` events and lands in the meeting's `advice`."""

    meeting_id: str
    advice_id: str
    status: Literal["pending"] = "pending"
