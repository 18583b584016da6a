"""Errors of the meetings domain, each with the status and wording the API answers with (docs/meetings.md)."""

from __future__ import annotations

from typing import Any

from shared.errors import ConflictError, NotFoundError, ServiceUnavailableError, ValidationError

NOT_CONFIGURED = "Claude is not configured: an administrator sets it up in Settings → AI provider."


class MeetingNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("There is no such meeting.", code="meeting_not_found")


class MeetingStateError(ConflictError):
    """The meeting is not in a state that allows this; the answer carries its current `status`."""

    def __init__(self, message: str, status: str, *, code: str = "meeting_state") -> None:
        super().__init__(message, code=code)
        self.details: dict[str, Any] = {"status": status}


class NotCapturingError(MeetingStateError):
    def __init__(self, status: str) -> None:
        super().__init__("The meeting is not being captured.", status, code="not_capturing")


class EmptyTranscriptError(ValidationError):
    def __init__(self, what: str) -> None:
        super().__init__(f"The transcript is empty: there is nothing to {what} yet.", code="empty_transcript")


class ClaudeNotConfiguredError(ConflictError):
    def __init__(self) -> None:
        super().__init__(NOT_CONFIGURED, code="claude_not_configured")


class TranscriptionUnavailableError(ServiceUnavailableError):
    """The speech engine could not transcribe segment `seq`; its audio is kept and the meeting is in error."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(
            f"Segment {seq} could not be transcribed ({reason}). Its audio is kept: retry with "
            "POST /api/meetings/retry once transcription is back.",
            code="transcription_unavailable",
        )
        self.details: dict[str, Any] = {"seq": seq, "status": "error"}
