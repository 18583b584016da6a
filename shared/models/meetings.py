"""Meeting captures and their transcripts."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared.models.base import StudioModel, utcnow


class MeetingStatus(StrEnum):
    IDLE = "idle"
    ACTIVE = "active"
    ANALYZING = "analyzing"
    COMPLETE = "complete"
    ERROR = "error"  # transcription or analysis failed


class MeetingsByUserIndex(GlobalSecondaryIndex["Meeting"]):
    """A user's meetings, newest last: the current one is the last (Query descending, limit 1)."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class Meeting(StudioModel):
    """One meeting capture of a user, from start through analysis."""

    class Meta:
        logical_name = "meetings"

    meeting_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    # idle -> active -> analyzing -> complete (or error); each step is an update conditional on the
    # status before it, so a double click or a retried request cannot start a second analysis.
    status = UnicodeAttribute(default=MeetingStatus.IDLE.value)
    started_at = UTCDateTimeAttribute(default=utcnow)  # set when the record is created (POST /start)
    stopped_at = UTCDateTimeAttribute(null=True)
    # Transcript seqs are allocated with UpdateItem ADD on this counter.
    last_seq = NumberAttribute(default=0)
    analysis = JSONAttribute(null=True)
    analysis_job_id = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_user = MeetingsByUserIndex()


class TranscriptSegment(StudioModel):
    """One transcribed stretch of speech, numbered in order within its meeting."""

    class Meta:
        logical_name = "transcript_segments"

    meeting_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    speaker = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    start_ms = NumberAttribute()
    end_ms = NumberAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
