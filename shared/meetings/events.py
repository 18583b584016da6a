"""What a meeting tells its owner's open connections (docs/meetings.md, "Routes and states").

    meeting.transcript   {meetingId, lines: [{seq, startMs, endMs, speaker, text}]}    new lines, as stored
    meeting.status       {meetingId, status, error, failedSegments}                    after a change of status
    meeting.advice       {meetingId, adviceId, status, delta | text | error}           advice as it streams

Best effort: the meeting's row and transcript are what count, and a client that missed an event reads them.
"""

from __future__ import annotations

from typing import Any

from shared.models.meetings import Meeting
from shared.realtime.events import EventTooLargeError
from shared.realtime.publisher import post_to_user


def transcript(user_id: str, meeting_id: str, lines: list[dict[str, Any]]) -> None:
    if lines:
        _deliver(user_id, {"type": "meeting.transcript", "meetingId": meeting_id, "lines": lines})


def status(row: Meeting) -> None:
    event = {
        "type": "meeting.status",
        "meetingId": row.meeting_id,
        "status": row.status,
        "error": row.error,
        "failedSegments": sorted(int(seq) for seq in row.failed_seqs or ()),
    }
    _deliver(row.user_id, event)


def advice(user_id: str, meeting_id: str, advice_id: str, state: str, **fields: Any) -> None:
    """`fields`: a `delta` while it streams, the whole `text` when done, an `error` when it failed."""
    event = {"type": "meeting.advice", "meetingId": meeting_id, "adviceId": advice_id, "status": state, **fields}
    if not _deliver(user_id, event) and "text" in fields:
        _deliver(user_id, {**event, "text": None})  # too long for a frame: the client reads the meeting


def _deliver(user_id: str, event: dict[str, Any]) -> bool:
    try:
        post_to_user(user_id, event)
    except EventTooLargeError:
        return False
    return True
