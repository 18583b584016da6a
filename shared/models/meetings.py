"""Meeting captures and their transcripts."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow


class MeetingStatus(StrEnum):
    IDLE = "idle"  # captured (stopped), not analyzed
    ACTIVE = "active"  # being captured
    ANALYZING = "analyzing"
    COMPLETE = "complete"
    ERROR = "error"  # transcription or analysis failed: `error` says why


class SegmentStatus(StrEnum):
    TRANSCRIBED = "transcribed"
    FAILED = "failed"  # the engine could not transcribe it: its audio waits in S3 for a retry


# The value of `capturing` while the meeting takes segments; the attribute is removed when capture stops.
CAPTURING = "capturing"


class MeetingsByUserIndex(GlobalSecondaryIndex["Meeting"]):
    """A user's meetings, newest last: the current one is the last (Query descending, limit 1)."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class CapturingMeetingsIndex(GlobalSecondaryIndex["Meeting"]):
    """Sparse: meetings still capturing, the longest silent first (the tick stops those silent for too long)."""

    class Meta:
        index_name = "capturing-by-last-segment"
        projection = KeysOnlyProjection()

    capturing = UnicodeAttribute(hash_key=True)
    last_segment_at = UTCDateTimeAttribute(range_key=True)


class MeetingsByProjectIndex(GlobalSecondaryIndex["Meeting"]):
    """Sparse: the meetings linked to a project (its deletion unlinks them)."""

    class Meta:
        index_name = "by-project"
        projection = KeysOnlyProjection()

    project_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class Meeting(StudioModel):
    """One meeting capture of a user, from start through analysis."""

    class Meta:
        logical_name = "meetings"

    meeting_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    # active -> idle -> analyzing -> complete (or error); each step is an update conditional on the status
    # before it, so a double click or a retried request cannot start a second analysis (shared.meetings.store).
    status = UnicodeAttribute(default=MeetingStatus.IDLE.value)
    started_at = UTCDateTimeAttribute(default=utcnow)  # set when the record is created (POST /start)
    stopped_at = UTCDateTimeAttribute(null=True)
    stopped_automatically = BooleanAttribute(null=True)  # the tick stopped it after a long silence
    capturing = UnicodeAttribute(null=True)  # CAPTURING while segments are taken: the sparse index's key
    last_segment_at = UTCDateTimeAttribute(null=True)  # the start, then the last segment received
    segment_count = NumberAttribute(default=0)  # transcribed segments (ADD 1 as each is stored)
    failed_seqs = NumberSetAttribute(null=True)  # segments whose transcription failed, waiting for a retry
    last_seq = NumberAttribute(null=True)  # the highest segment seq received: capture after a reload goes on from it
    resume_status = UnicodeAttribute(null=True)  # in error after a failed segment: the status a retry returns to
    analysis = JSONAttribute(null=True)  # {summary, decisions, actionItems, openQuestions, documentPath}
    advice = JSONAttribute(null=True)  # [{adviceId, askedAt, question, status, text, error}], newest last, capped
    advice_rev = NumberAttribute(default=0)  # bumped with every change of `advice` (its writes are conditional)
    analysis_job_id = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_user = MeetingsByUserIndex()
    capturing_by_last_segment = CapturingMeetingsIndex()
    by_project = MeetingsByProjectIndex()


class TranscriptSegment(StudioModel):
    """One segment the client sent (its seq, 1, 2, 3 ...), and the phrases heard in it."""

    class Meta:
        logical_name = "transcript_segments"

    meeting_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)  # the client's segment number: the transcript's order
    status = UnicodeAttribute(default=SegmentStatus.TRANSCRIBED.value)
    speaker = UnicodeAttribute(null=True)
    text = UnicodeAttribute(default="")  # the phrases' text, joined
    phrases = JSONAttribute(null=True)  # [{text, startMs, endMs, speaker}], times from the meeting's start
    start_ms = NumberAttribute()
    end_ms = NumberAttribute()
    audio_key = UnicodeAttribute(null=True)  # a failed segment's audio, kept in the workspace bucket
    error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
