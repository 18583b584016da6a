"""ECS task scale-in protection: a runner with a job in hand must not be scaled in."""

from __future__ import annotations

import json
import threading
import urllib.request

from shared.logs import logger

PROTECTION_MINUTES = 120


class ScaleInProtection:
    """Turns protection on when the first job starts and off when the last one ends (no-op outside ECS)."""

    def __init__(self, agent_uri: str | None) -> None:
        self._agent_uri = agent_uri
        self._active = 0
        self._lock = threading.Lock()

    def job_started(self) -> None:
        with self._lock:
            self._active += 1
            if self._active == 1:
                self._set(True)

    def job_finished(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self._set(False)

    def _set(self, enabled: bool) -> None:
        if not self._agent_uri:
            return
        body = {"ProtectionEnabled": enabled}
        if enabled:
            body["ExpiresInMinutes"] = PROTECTION_MINUTES  # type: ignore[assignment]
        request = urllib.request.Request(  # noqa: S310  # the ECS agent's own endpoint, from the task metadata
            f"{self._agent_uri}/task-protection/v1/state",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                response.read()
        except OSError:
            logger.exception("could not update task scale-in protection", extra={"enabled": enabled})
