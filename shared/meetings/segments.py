"""The `transcript_segments` table: one row per segment a client sent, keyed by the client's own seq.

A segment is written once (`attribute_not_exists(seq)`): the same seq sent again, or by two requests at once,
finds the row that is there and answers from it. A failed segment (the engine could not transcribe it) keeps
its audio's key until a retry transcribes it; it is then rewritten in place, conditional on still being failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from shared.db import condition_failed, delete_all
from shared.meetings.speech import Phrase
from shared.models.meetings import SegmentStatus, TranscriptSegment

MAX_PAGE = 200


def _seq_is_new() -> Any:
    return TranscriptSegment.seq.does_not_exist()


def _still_failed() -> Any:
    return TranscriptSegment.status == SegmentStatus.FAILED.value


def phrases_at(start_ms: int, phrases: list[Phrase]) -> list[dict[str, Any]]:
    """The phrases as stored and shown: times from the meeting's start, empty ones left out."""
    return [
        {
            "text": text,
            "startMs": start_ms + p.start_ms,
            "endMs": start_ms + max(p.end_ms, p.start_ms),
            "speaker": p.speaker,
        }
        for p in phrases
        if (text := " ".join(p.text.split()))
    ]


def transcribed(
    meeting_id: str, seq: int, start_ms: int, end_ms: int, phrases: list[dict[str, Any]]
) -> TranscriptSegment:
    """A new transcribed segment (not saved)."""
    speakers = {phrase["speaker"] for phrase in phrases}
    return TranscriptSegment(
        meeting_id,
        seq,
        status=SegmentStatus.TRANSCRIBED.value,
        text=" ".join(phrase["text"] for phrase in phrases),
        phrases=phrases,
        speaker=speakers.pop() if len(speakers) == 1 else None,
        start_ms=start_ms,
        end_ms=max([end_ms, *(phrase["endMs"] for phrase in phrases)]),
    )


def failed(meeting_id: str, seq: int, start_ms: int, end_ms: int, *, audio_key: str, reason: str) -> TranscriptSegment:
    """A new failed segment (not saved): its audio waits at `audio_key`."""
    return TranscriptSegment(
        meeting_id,
        seq,
        status=SegmentStatus.FAILED.value,
        start_ms=start_ms,
        end_ms=end_ms,
        audio_key=audio_key,
        error=reason[:1000],
    )


def add(segment: TranscriptSegment) -> tuple[TranscriptSegment, bool]:
    """Store a new segment; (the row, True), or (the row already there, False) when its seq was taken."""
    try:
        segment.save(condition=_seq_is_new())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        existing = get(segment.meeting_id, int(segment.seq))
        assert existing is not None, "a segment's row is never deleted while its meeting exists"
        return existing, False
    return segment, True


def get(meeting_id: str, seq: int) -> TranscriptSegment | None:
    try:
        return TranscriptSegment.get(meeting_id, seq, consistent_read=True)
    except TranscriptSegment.DoesNotExist:
        return None


def recovered(segment: TranscriptSegment, phrases: list[dict[str, Any]]) -> TranscriptSegment | None:
    """A failed segment, now transcribed; None when another retry got there first."""
    done = transcribed(segment.meeting_id, int(segment.seq), int(segment.start_ms), int(segment.end_ms), phrases)
    try:
        segment.update(
            actions=[
                TranscriptSegment.status.set(done.status),
                TranscriptSegment.text.set(done.text),
                TranscriptSegment.phrases.set(done.phrases),
                TranscriptSegment.speaker.set(done.speaker) if done.speaker else TranscriptSegment.speaker.remove(),
                TranscriptSegment.end_ms.set(done.end_ms),
                TranscriptSegment.audio_key.remove(),
                TranscriptSegment.error.remove(),
            ],
            condition=_still_failed(),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return segment


def page(meeting_id: str, *, after: int, limit: int) -> tuple[list[TranscriptSegment], bool]:
    """Segments with seq > `after`, in order, up to `limit`; and whether more follow."""
    rows = list(
        TranscriptSegment.query(meeting_id, TranscriptSegment.seq > after, limit=limit + 1, consistent_read=True)
    )
    return rows[:limit], len(rows) > limit


def of_meeting(meeting_id: str) -> Iterator[TranscriptSegment]:
    """Every segment of the meeting, in seq order."""
    return TranscriptSegment.query(meeting_id, consistent_read=True)


def delete_for_meeting(meeting_id: str) -> int:
    return delete_all(TranscriptSegment, TranscriptSegment.query(meeting_id, attributes_to_get=["meeting_id", "seq"]))
