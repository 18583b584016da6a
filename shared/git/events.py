"""What a Git job tells its user's open connections: progress of a transfer, and the end of every job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.realtime.events import EventTooLargeError
from shared.realtime.publisher import post_to_user


@dataclass(frozen=True, slots=True)
class JobEvents:
    """The events of one Git job, sent to every connection of the user who started it."""

    user_id: str
    job_id: str
    project_id: str
    op: str

    def progress(self, phase: str, percent: int | None) -> None:
        self._deliver({**self._head("git.progress"), "phase": phase, "percent": percent})

    def done(self, outcome: dict[str, Any]) -> None:
        """`outcome` as the wire shows it: {"ok": true, "result": …} or {"ok": false, "error": {…}}."""
        event = {**self._head("git.done"), **outcome}
        if not self._deliver(event) and "result" in outcome:
            # Too large for one WebSocket frame (a long status): the client reads the job instead.
            self._deliver({**event, "result": None})

    def _head(self, kind: str) -> dict[str, Any]:
        return {"type": kind, "jobId": self.job_id, "projectId": self.project_id, "op": self.op}

    def _deliver(self, event: dict[str, Any]) -> bool:
        """Best effort: the job's record holds the outcome, and a client that missed the event reads it there."""
        try:
            post_to_user(self.user_id, event)
        except EventTooLargeError:
            return False
        return True
