"""Meetings and their transcripts (the `meetings` and `transcript_segments` tables).

Capture, advice and analysis (workflow 10) are still to come; today this domain only removes a deleted user's
meetings.
"""

from __future__ import annotations

from shared.db import delete_all
from shared.models.meetings import Meeting, TranscriptSegment


def delete_for_user(user_id: str) -> int:
    count = 0
    for meeting in list(Meeting.by_user.query(user_id)):
        delete_all(TranscriptSegment, TranscriptSegment.query(meeting.meeting_id))
        count += delete_all(Meeting, [meeting])
    return count
