"""Segments in: audio transcribed by the speech engine within the request, or text a client transcribed itself.

audio ──decode──▶ Audio ──engine──▶ phrases ──▶ segment (the client's seq) ──▶ meeting.transcript, 201 lines
                              └─ SpeechUnavailableError ──▶ audio kept in S3, segment failed,
                                                            meeting error (why; where a retry returns), 503
text ──────────────────────────────────────────▶ segment ──▶ meeting.transcript, 201 lines
the same seq again ──▶ the answer it had (its lines, or its failure): never a second segment

retry: the failed segments in seq order, each from its kept audio; once none is left, the meeting returns to
the status it had (active: capture goes on; idle). A retry works for RETRY_SECONDS at most, inside the API's
29 s, and answers the meeting still in error with the segments left; the client asks again.
"""

from __future__ import annotations

import contextlib
import time

from shared.accounts.domain import Principal
from shared.meetings import audio, engines, events, recordings, segments, store
from shared.meetings.errors import MeetingStateError, NotCapturingError, TranscriptionUnavailableError
from shared.meetings.schemas import AudioSegment, TextSegment
from shared.meetings.service import line_events, lines_of, owned
from shared.meetings.speech import Audio, Engine, SpeechUnavailableError
from shared.meetings.store import StaleMeetingError
from shared.meetings.views import Meeting, Segment
from shared.models.meetings import Meeting as MeetingRow
from shared.models.meetings import MeetingStatus, SegmentStatus, TranscriptSegment
from shared.settings import get_settings

RETRY_SECONDS = 20.0


def engine() -> Engine:
    """The speech engine the settings choose (tests put a fake one here)."""
    return engines.engine(get_settings())


def add_audio(caller: Principal, where: AudioSegment, data: bytes, content_type: str) -> Segment:
    row = owned(caller, where.meeting_id)
    existing = segments.get(row.meeting_id, where.seq)
    if existing is not None:
        return _answer(existing)
    _check_capturing(row)
    sound = audio.decode(data, content_type)  # 400 for what it cannot read, 413 above its size cap
    end_ms = where.start_ms + sound.duration_ms
    try:
        phrases = engine().transcribe(sound)
    except SpeechUnavailableError as exc:
        return _failed(row, where, end_ms, sound, str(exc) or "the speech engine is unavailable")
    new = segments.transcribed(
        row.meeting_id, where.seq, where.start_ms, end_ms, segments.phrases_at(where.start_ms, phrases)
    )
    return _store(row, new)


def add_text(caller: Principal, body: TextSegment) -> Segment:
    row = owned(caller, body.meeting_id)
    existing = segments.get(row.meeting_id, body.seq)
    if existing is not None:
        return _answer(existing)
    _check_capturing(row)
    end_ms = body.end_ms if body.end_ms is not None else body.start_ms
    said = [{"text": body.text, "startMs": body.start_ms, "endMs": end_ms, "speaker": body.speaker or None}]
    return _store(row, segments.transcribed(row.meeting_id, body.seq, body.start_ms, end_ms, said))


def retry(caller: Principal, meeting_id: str) -> Meeting:
    """Transcribe the failed segments again, in order; the meeting view, back to its status once none is left."""
    row = owned(caller, meeting_id)
    if row.status != MeetingStatus.ERROR or not row.failed_seqs:
        raise MeetingStateError("No segment is waiting for a retry.", row.status, code="nothing_to_retry")
    deadline = time.monotonic() + RETRY_SECONDS
    for seq in sorted(int(seq) for seq in row.failed_seqs):
        if time.monotonic() > deadline:
            break
        _transcribe_again(row, seq)
    row = store.get(meeting_id) or row
    if row.status == MeetingStatus.ERROR and not row.failed_seqs and row.resume_status:
        try:
            row = store.recover(row)
        except StaleMeetingError as exc:
            row = exc.row or row
        events.status(row)
    return Meeting.model_validate(row)


def _transcribe_again(row: MeetingRow, seq: int) -> None:
    segment = segments.get(row.meeting_id, seq)
    if segment is None or segment.status != SegmentStatus.FAILED or not segment.audio_key:
        store.segment_recovered(row.meeting_id, seq, counted=False)  # done by another retry meanwhile
        return
    key = segment.audio_key
    sound = audio.decode(recordings.read(key), recordings.WAV)
    try:
        phrases = engine().transcribe(sound)
    except SpeechUnavailableError as exc:
        reason = str(exc) or "the speech engine is unavailable"
        events.status(store.segment_failed(row.meeting_id, seq, reason))
        raise TranscriptionUnavailableError(seq, reason) from None
    done = segments.recovered(segment, segments.phrases_at(int(segment.start_ms), phrases))
    if done is None:
        return
    store.segment_recovered(row.meeting_id, seq)
    recordings.forget(key)
    events.transcript(row.user_id, row.meeting_id, line_events(lines_of(done)))


def _store(row: MeetingRow, segment: TranscriptSegment) -> Segment:
    stored, new = segments.add(segment)
    if new:
        store.seq_received(row.meeting_id, int(segment.seq))
        store.segment_stored(row.meeting_id)
        events.transcript(row.user_id, row.meeting_id, line_events(lines_of(stored)))
    return _answer(stored)


def _failed(row: MeetingRow, where: AudioSegment, end_ms: int, sound: Audio, reason: str) -> Segment:
    """Keep the audio, record the segment failed and the meeting in error; answer 503 (or the segment sent twice)."""
    key = recordings.keep(row.meeting_id, where.seq, sound)
    stored, new = segments.add(
        segments.failed(row.meeting_id, where.seq, where.start_ms, end_ms, audio_key=key, reason=reason)
    )
    if new:
        store.seq_received(row.meeting_id, where.seq)
        with contextlib.suppress(StaleMeetingError):  # deleted meanwhile
            events.status(store.segment_failed(row.meeting_id, where.seq, reason))
    elif stored.status == SegmentStatus.TRANSCRIBED:
        recordings.forget(key)  # the same seq, sent twice at once, was transcribed by the other request
    return _answer(stored)


def _answer(segment: TranscriptSegment) -> Segment:
    if segment.status == SegmentStatus.FAILED:
        raise TranscriptionUnavailableError(int(segment.seq), segment.error or "the speech engine is unavailable")
    return Segment(meeting_id=segment.meeting_id, seq=int(segment.seq), lines=lines_of(segment))


def _check_capturing(row: MeetingRow) -> None:
    if not store.is_capturing(row):
        raise NotCapturingError(row.status)
